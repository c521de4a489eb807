using Clustering.Inference.Cpu.Kernels;
using Clustering.Models;

namespace Clustering.Inference.Cpu;

/// <summary>
/// The CPU backend: fp32 everywhere (bf16/f16 weights widened once at load), linear weights pre-packed into GEMM
/// panels, SIMD kernels on a fixed pool of worker threads. Kernel objects and their per-worker scratch are
/// created here once; running a batch allocates nothing (the RoPE table grows only for a longer sequence than seen).
/// One batch at a time: the ops are called from a single thread.
/// </summary>
public sealed unsafe class CpuOps : IOps
{
    private readonly WorkerPool _pool;
    private readonly Gemm _gemm;
    private readonly RmsNorm _rmsNorm;
    private readonly HeadNormRope _headNormRope;
    private readonly Attention _attention;
    private readonly SiluMul _siluMul;
    private readonly List<RopeTable> _ropeTables = [];
    private TokenBatch? _batch;

    public string Device => "cpu";
    public int Threads => _pool.Workers;
    public GemmKernel GemmKernel => _gemm.Kernel;

    public CpuOps(CpuOptions? options = null)
    {
        options ??= new CpuOptions();
        var threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        _pool = new WorkerPool(threads);
        _gemm = new Gemm(_pool, options.Gemm);
        _rmsNorm = new RmsNorm(_pool);
        _headNormRope = new HeadNormRope(_pool);
        _attention = new Attention(_pool);
        _siluMul = new SiluMul(_pool);
    }

    public DeviceTensor LoadLinear(TensorView weight)
    {
        if (weight.Rank != 2) throw new InputFormatException(weight.File, weight.Name, $"a linear weight must have 2 dimensions, found {weight.Rank}");
        var n = checked((int)weight.Dimension(0));
        var k = checked((int)weight.Dimension(1));
        var packed = PackedMatrix.Create(n, k, _gemm.Nr);
        // Widen and pack a block of rows at a time: no second full-size copy of the weight.
        var rowsPerChunk = Math.Max(1, (1 << 20) / k);
        var chunk = new float[rowsPerChunk * k];
        for (var row = 0; row < n; row += rowsPerChunk)
        {
            var rows = Math.Min(rowsPerChunk, n - row);
            var span = chunk.AsSpan(0, rows * k);
            weight.ToFloat32((long)row * k, span);
            packed.PackRows(row, span);
        }
        return new CpuLinearWeight(packed);
    }

    public DeviceTensor LoadRows(TensorView weight)
    {
        var (rows, cols) = weight.Rank switch
        {
            1 => (1, checked((int)weight.Dimension(0))),
            2 => (checked((int)weight.Dimension(0)), checked((int)weight.Dimension(1))),
            _ => throw new InputFormatException(weight.File, weight.Name, $"expected 1 or 2 dimensions, found {weight.Rank}"),
        };
        var tensor = new CpuTensor(rows, cols);
        for (var r = 0; r < rows; r += 4096)
        {
            var count = Math.Min(4096, rows - r);
            weight.ToFloat32((long)r * cols, new Span<float>(tensor.Pointer + (long)r * cols, count * cols));
        }
        return tensor;
    }

    public DeviceTensor Allocate(int rows, int columns) => new CpuTensor(rows, columns);

    public void BeginBatch(TokenBatch batch) => _batch = batch;

    private TokenBatch Batch => _batch ?? throw new InvalidOperationException("BeginBatch was not called");

    public void Embedding(DeviceTensor table, DeviceTensor output)
    {
        var t = Host(table);
        var o = Host(output);
        Expect(t.Columns == o.Columns, "embedding table and output widths differ");
        var batch = Batch;
        for (var i = 0; i < batch.TokenCount; i++)
        {
            var id = batch.Ids[i];
            if ((uint)id >= (uint)t.Rows) throw new ClusteringException($"token id {id} at batch position {i} is outside the vocabulary (0..{t.Rows - 1})");
            t.Row(id).CopyTo(o.Row(i));
        }
    }

    public void RmsNorm(DeviceTensor input, DeviceTensor weight, float eps, DeviceTensor output, int rows)
    {
        var x = Host(input);
        var w = Host(weight);
        var y = Host(output);
        Expect(x.Columns == w.Columns && y.Columns == x.Columns, "rms_norm widths differ");
        Expect(rows <= x.Rows && rows <= y.Rows, "rms_norm rows exceed the buffers");
        _rmsNorm.Run(x.Pointer, w.Pointer, eps, y.Pointer, rows, x.Columns);
    }

    public void MatMul(DeviceTensor input, DeviceTensor weight, DeviceTensor output, int rows, bool accumulate = false)
    {
        var a = Host(input);
        var b = weight as CpuLinearWeight ?? throw new ArgumentException("matmul weight must come from LoadLinear", nameof(weight));
        var c = Host(output);
        Expect(a.Columns == b.Packed.K, $"matmul: input has {a.Columns} columns, weight expects {b.Packed.K}");
        Expect(c.Columns == b.Packed.N, $"matmul: output has {c.Columns} columns, weight gives {b.Packed.N}");
        Expect(rows <= a.Rows && rows <= c.Rows, "matmul rows exceed the buffers");
        _gemm.Run(a.Pointer, a.Columns, rows, b.Packed, c.Pointer, c.Columns, accumulate);
    }

    public void HeadNormRope(DeviceTensor x, DeviceTensor weight, int heads, int headDim, float eps, float ropeTheta)
    {
        var t = Host(x);
        var w = Host(weight);
        Expect(t.Columns == heads * headDim && w.Columns == headDim, "head norm + rope widths differ");
        var batch = Batch;
        var rope = Rope(headDim, ropeTheta);
        rope.EnsurePositions(batch.MaxSequenceLength);
        fixed (int* positions = batch.Positions)
            _headNormRope.Run(t.Pointer, w.Pointer, positions, batch.TokenCount, heads, headDim, eps, rope);
    }

    public void Attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, int heads, int kvHeads, int headDim, DeviceTensor output)
    {
        var tq = Host(q);
        var tk = Host(k);
        var tv = Host(v);
        var to = Host(output);
        Expect(tq.Columns == heads * headDim && to.Columns == tq.Columns, "attention q/output widths differ");
        Expect(tk.Columns == kvHeads * headDim && tv.Columns == tk.Columns, "attention k/v widths differ");
        var batch = Batch;
        fixed (int* cu = batch.CuSeqLens)
            _attention.Run(tq.Pointer, tk.Pointer, tv.Pointer, cu, batch.SequenceCount, heads, kvHeads, headDim, to.Pointer);
    }

    public void SiluMul(DeviceTensor gate, DeviceTensor up, DeviceTensor output, int rows)
    {
        var g = Host(gate);
        var u = Host(up);
        var y = Host(output);
        Expect(g.Columns == u.Columns && y.Columns == g.Columns, "silu_mul widths differ");
        _siluMul.Run(g.Pointer, u.Pointer, y.Pointer, rows, g.Columns);
    }

    public void Pool(DeviceTensor hidden, PoolingMode mode, DeviceTensor output)
    {
        var h = Host(hidden);
        var o = Host(output);
        Expect(h.Columns == o.Columns, "pool widths differ");
        var batch = Batch;
        Expect(batch.SequenceCount <= o.Rows, "pool output has fewer rows than sequences");
        Pooling.Run(h, batch, mode, o);
    }

    public void Download(DeviceTensor source, int rows, Span<float> destination)
    {
        var s = Host(source);
        s.LiveRows(rows).CopyTo(destination);
    }

    private RopeTable Rope(int headDim, float theta)
    {
        foreach (var table in _ropeTables)
            if (table.HeadDim == headDim && table.Theta == theta) return table;
        var created = new RopeTable(headDim, theta);
        _ropeTables.Add(created);
        return created;
    }

    private static CpuTensor Host(DeviceTensor tensor) =>
        tensor as CpuTensor ?? throw new ArgumentException($"{tensor} does not belong to the CPU backend", nameof(tensor));

    private static void Expect(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }

    public void Dispose()
    {
        _pool.Dispose();
        _gemm.Dispose();
        _attention.Dispose();
        _siluMul.Dispose();
        foreach (var table in _ropeTables) table.Dispose();
    }
}
