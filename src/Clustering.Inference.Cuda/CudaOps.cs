using System.Numerics;
using Clustering.Inference.Cuda.Native;
using Clustering.Models;

namespace Clustering.Inference.Cuda;

/// <summary>
/// The CUDA backend of <see cref="IOps"/> on one GPU: weights bf16 in device memory, activations bf16 with an fp32
/// residual stream, fp32 accumulation everywhere (cuBLASLt GEMMs, the kernels' reductions and softmax). Owns its
/// context, one stream, the kernel library and the cuBLASLt handle; every op is enqueued on the stream and only
/// <see cref="Download"/> waits. Buffers are allocated at load (weights, activations at batch capacity, the
/// batch's index arrays at its capacity); running a batch allocates nothing on the device. One thread at a time.
/// </summary>
public sealed unsafe class CudaOps : IOps
{
    private const long UploadChunkBytes = 64L << 20;

    private readonly CudaContext _context;
    private readonly CudaStream _stream;
    private readonly KernelLibrary _kernels;
    private readonly CublasLt _blas;

    private TokenBatch? _batch;
    private DeviceMemory? _ids;         // (token capacity) int32
    private DeviceMemory? _positions;   // (token capacity) int32
    private DeviceMemory? _cuSeqLens;   // (sequence capacity + 1) int32
    private DeviceMemory? _lastTokens;  // (sequence capacity) int32
    private PinnedHostMemory? _staging; // downloads land here, then widen into the caller's floats
    private PinnedHostMemory? _upload;  // the batch's index arrays on their way up: ids | positions | cu_seqlens | pooled rows
    private CudaEvent? _uploaded;       // passed when the last batch's index arrays have left _upload
    private readonly List<RopeTable> _ropeTables = [];

    public string Device { get; }
    public CudaDeviceInfo DeviceInfo => _context.Device;

    private readonly bool _fuseLinears;

    /// <param name="fuseLinears">Run q/k/v and gate/up as one GEMM each (the default); false keeps them apart, for comparison.</param>
    public CudaOps(int ordinal = 0, KernelCache? cache = null, bool fuseLinears = true)
    {
        _fuseLinears = fuseLinears;
        var devices = CudaDevices.Discover();
        if (devices.Count == 0) throw new ClusteringException("no CUDA device: " + CudaDevices.UnavailableReason);
        if (ordinal < 0 || ordinal >= devices.Count)
            throw new ClusteringException($"cuda:{ordinal} does not exist ({devices.Count} device(s))");
        _context = new CudaContext(devices[ordinal]);
        try
        {
            if (devices[ordinal].ComputeMajor < 8)
                throw new ClusteringException($"{devices[ordinal]}: the CUDA backend needs compute capability 8.0 or newer (bf16 tensor cores)");
            _stream = _context.CreateStream();
            _kernels = new KernelLibrary(_context, cache);
            _kernels.LoadAll(); // fail at load, not mid-job
            _blas = new CublasLt(_context);
        }
        catch
        {
            _stream?.Dispose();
            _kernels?.Dispose();
            _context.Dispose();
            throw;
        }
        Device = "cuda:" + ordinal;
    }

    public DeviceTensor LoadLinear(TensorView weight)
    {
        if (weight.Rank != 2) throw new InputFormatException(weight.File, weight.Name, $"a linear weight must have 2 dimensions, found {weight.Rank}");
        return Upload(weight, checked((int)weight.Dimension(0)), checked((int)weight.Dimension(1)));
    }

    public DeviceTensor LoadRows(TensorView weight)
    {
        var (rows, columns) = weight.Rank switch
        {
            1 => (1, checked((int)weight.Dimension(0))),
            2 => (checked((int)weight.Dimension(0)), checked((int)weight.Dimension(1))),
            _ => throw new InputFormatException(weight.File, weight.Name, $"expected 1 or 2 dimensions, found {weight.Rank}"),
        };
        return Upload(weight, rows, columns);
    }

    public DeviceTensor LoadLinears(IReadOnlyList<TensorView> weights)
    {
        if (weights.Count == 0) throw new ArgumentException("no weights to load", nameof(weights));
        if (!_fuseLinears) return LinearGroup.LoadEach(weights, LoadLinear);
        var columns = 0;
        var rows = 0;
        foreach (var weight in weights)
        {
            if (weight.Rank != 2) throw new InputFormatException(weight.File, weight.Name, $"a linear weight must have 2 dimensions, found {weight.Rank}");
            var inFeatures = checked((int)weight.Dimension(1));
            if (rows > 0 && inFeatures != columns)
                throw new InputFormatException(weight.File, weight.Name, $"has {inFeatures} input features; {weights[0].Name} has {columns} (fused linears share their input)");
            columns = inFeatures;
            rows = checked(rows + (int)weight.Dimension(0));
        }
        // One (Σ out, in) weight: the parts' rows one after another, so one GEMM computes every output side by side.
        _context.MakeCurrent();
        var memory = _context.Allocate((long)rows * columns * 2);
        try
        {
            long offset = 0;
            foreach (var weight in weights)
            {
                UploadInto(memory.Pointer.Offset(offset), weight, weight.Dimension(0) * columns);
                offset += weight.Dimension(0) * columns * 2;
            }
        }
        catch
        {
            memory.Dispose();
            throw;
        }
        return new CudaTensor(memory, rows, columns, CudaElement.BFloat16);
    }

    /// <summary>Any stored dtype → bf16 on the device.</summary>
    private CudaTensor Upload(TensorView weight, int rows, int columns)
    {
        _context.MakeCurrent();
        var memory = _context.Allocate((long)rows * columns * 2);
        try
        {
            UploadInto(memory.Pointer, weight, (long)rows * columns);
        }
        catch
        {
            memory.Dispose();
            throw;
        }
        return new CudaTensor(memory, rows, columns, CudaElement.BFloat16);
    }

    /// <summary>Copies a tensor's <paramref name="elements"/> to <paramref name="destination"/> as bf16, in chunks (bf16 bytes go as they are; f32/f16 are rounded to nearest even).</summary>
    private void UploadInto(DevicePtr destination, TensorView weight, long elements)
    {
        if (weight.DType == TensorDType.BF16)
        {
            for (long offset = 0; offset < elements * 2; offset += UploadChunkBytes)
            {
                var bytes = (int)Math.Min(UploadChunkBytes, elements * 2 - offset);
                _stream.CopyToDevice(destination.Offset(offset), weight.Slice(offset, bytes));
            }
        }
        else
        {
            var chunkElements = (int)(UploadChunkBytes / 4);
            var widened = new float[Math.Min(chunkElements, elements)];
            var narrowed = new ushort[widened.Length];
            for (long first = 0; first < elements; first += chunkElements)
            {
                var count = (int)Math.Min(chunkElements, elements - first);
                weight.ToFloat32(first, widened.AsSpan(0, count));
                for (var i = 0; i < count; i++) narrowed[i] = BFloat16.FromFloat(widened[i]);
                _stream.CopyToDevice(destination.Offset(first * 2), new ReadOnlySpan<ushort>(narrowed, 0, count));
            }
        }
        _stream.Synchronize();
    }

    public DeviceTensor Allocate(int rows, int columns)
    {
        _context.MakeCurrent();
        return new CudaTensor(_context.Allocate((long)rows * columns * 4), rows, columns, CudaElement.Float32);
    }

    /// <summary>Side by side: column slices of one (rows, Σ widths) buffer, which one fused GEMM fills.</summary>
    public IReadOnlyList<DeviceTensor> AllocateColumns(int rows, IReadOnlyList<int> widths)
    {
        if (!_fuseLinears) return widths.Select(w => Allocate(rows, w)).ToArray();
        _context.MakeCurrent();
        var width = 0L;
        foreach (var w in widths) width += w;
        return CudaTensor.Slices(_context.Allocate(rows * width * 4), rows, widths, CudaElement.Float32);
    }

    public void MatMul(DeviceTensor input, DeviceTensor weights, IReadOnlyList<DeviceTensor> outputs, int rows)
    {
        if (weights is LinearGroup group)
        {
            Expect(group.Parts.Count == outputs.Count, $"{group.Parts.Count} linears but {outputs.Count} outputs");
            for (var i = 0; i < outputs.Count; i++) MatMul(input, group.Parts[i], outputs[i], rows);
            return;
        }
        var slices = new CudaTensor[outputs.Count];
        for (var i = 0; i < slices.Length; i++) slices[i] = Tensor(outputs[i]);
        var w = Tensor(weights);
        var total = slices.Sum(o => o.Columns);
        Expect(total == w.Rows, $"fused matmul: outputs have {total} columns together, the weight gives {w.Rows}");
        Expect(CudaTensor.AreOneBuffer(slices), "fused matmul: the outputs must be the slices of one AllocateColumns buffer, in order");
        var a = Tensor(input);
        Expect(a.Columns == w.Columns, $"fused matmul: input has {a.Columns} columns, weight expects {w.Columns}");
        Expect(rows <= a.Rows && rows <= slices[0].Rows, "matmul rows exceed the buffers");
        Expect(a.Element == CudaElement.BFloat16, "matmul input must be bf16 (a norm, attention or silu·mul output)");
        foreach (var slice in slices) slice.Element = CudaElement.BFloat16;
        _blas.MatMul(_stream, a.Pointer, a.Stride, w.Pointer, slices[0].Pointer, slices[0].Stride, GemmOutput.BFloat16, rows, a.Columns, total, accumulate: false);
    }

    /// <summary>
    /// Stages the batch's index arrays in pinned memory and enqueues their copies: the call returns at once and the
    /// copies run on the stream ahead of the batch's kernels (a pageable copy would make the driver stage it first,
    /// on this thread). The pinned buffer is reused only after the previous batch's copies have passed.
    /// </summary>
    public void BeginBatch(TokenBatch batch)
    {
        _context.MakeCurrent();
        EnsureBatchBuffers(batch);
        _batch = batch;
        _uploaded!.Synchronize(); // normally long passed: the previous batch ended with a download
        var tokens = batch.TokenCount;
        var sequences = batch.SequenceCount;
        var staged = _upload!.AsSpan<int>();
        batch.Ids.AsSpan(0, tokens).CopyTo(staged);
        batch.Positions.AsSpan(0, tokens).CopyTo(staged[tokens..]);
        batch.CuSeqLens.AsSpan(0, sequences + 1).CopyTo(staged[(2 * tokens)..]);
        batch.PooledIndices.AsSpan(0, sequences).CopyTo(staged[(2 * tokens + sequences + 1)..]);
        _stream.CopyToDevice(_ids!.Pointer, _upload, 0, tokens * 4L);
        _stream.CopyToDevice(_positions!.Pointer, _upload, tokens * 4L, tokens * 4L);
        _stream.CopyToDevice(_cuSeqLens!.Pointer, _upload, 2L * tokens * 4, (sequences + 1) * 4L);
        _stream.CopyToDevice(_lastTokens!.Pointer, _upload, (2L * tokens + sequences + 1) * 4, sequences * 4L);
        _uploaded.Record(_stream);
    }

    private void EnsureBatchBuffers(TokenBatch batch)
    {
        if (_ids is not null && _ids.Bytes >= batch.TokenCapacity * 4L && _cuSeqLens!.Bytes >= (batch.SequenceCapacity + 1) * 4L) return;
        _ids?.Dispose();
        _positions?.Dispose();
        _cuSeqLens?.Dispose();
        _lastTokens?.Dispose();
        _ids = _context.Allocate(batch.TokenCapacity * 4L);
        _positions = _context.Allocate(batch.TokenCapacity * 4L);
        _cuSeqLens = _context.Allocate((batch.SequenceCapacity + 1) * 4L);
        _lastTokens = _context.Allocate(batch.SequenceCapacity * 4L);
        _uploaded?.Synchronize();
        _upload?.Dispose();
        _upload = new PinnedHostMemory(_context, (2L * batch.TokenCapacity + 2L * batch.SequenceCapacity + 1) * 4);
        _uploaded ??= new CudaEvent(_context);
        _uploaded.Record(_stream);
    }

    private TokenBatch Batch => _batch ?? throw new InvalidOperationException("BeginBatch was not called");

    public void Embedding(DeviceTensor table, DeviceTensor output)
    {
        var t = Tensor(table);
        var o = Tensor(output);
        Expect(t.Columns == o.Columns, "embedding table and output widths differ");
        var batch = Batch;
        Expect(batch.TokenCount <= o.Rows, "embedding output has fewer rows than the batch has tokens");
        for (var i = 0; i < batch.TokenCount; i++)
        {
            var id = batch.Ids[i];
            if ((uint)id >= (uint)t.Rows) throw new ClusteringException($"token id {id} at batch position {i} is outside the vocabulary (0..{t.Rows - 1})");
        }
        Expect(o.IsContiguous, "embedding output must be a whole buffer");
        o.Element = CudaElement.Float32;
        EmbeddingLauncher.Launch(_kernels, _stream, t.Pointer, t.Rows, t.Columns, _ids!.Pointer, batch.TokenCount, o.Pointer, outputFloat32: true);
    }

    public void RmsNorm(DeviceTensor input, DeviceTensor weight, float eps, DeviceTensor output, int rows)
    {
        var x = Tensor(input);
        var w = Tensor(weight);
        var y = Tensor(output);
        Expect(x.Columns == w.Columns && y.Columns == x.Columns, "rms_norm widths differ");
        Expect(rows <= x.Rows && rows <= y.Rows, "rms_norm rows exceed the buffers");
        // In place keeps fp32 (the pooled rows before download); otherwise the output feeds a GEMM: bf16.
        RmsNormTypes types;
        if (x.Element == CudaElement.BFloat16) types = RmsNormTypes.BFloat16ToBFloat16;
        else types = ReferenceEquals(x, y) ? RmsNormTypes.Float32ToFloat32 : RmsNormTypes.Float32ToBFloat16;
        var source = x.Pointer;
        y.Element = types == RmsNormTypes.Float32ToFloat32 ? CudaElement.Float32 : CudaElement.BFloat16;
        RmsNormLauncher.Launch(_kernels, _stream, types, source, x.Stride, DevicePtr.Null, 0, w.Pointer, y.Pointer, y.Stride, rows, x.Columns, eps);
    }

    public void MatMul(DeviceTensor input, DeviceTensor weight, DeviceTensor output, int rows, bool accumulate = false)
    {
        var a = Tensor(input);
        var b = Tensor(weight);
        var c = Tensor(output);
        Expect(a.Columns == b.Columns, $"matmul: input has {a.Columns} columns, weight expects {b.Columns}");
        Expect(c.Columns == b.Rows, $"matmul: output has {c.Columns} columns, weight gives {b.Rows}");
        Expect(rows <= a.Rows && rows <= c.Rows, "matmul rows exceed the buffers");
        Expect(a.Element == CudaElement.BFloat16, "matmul input must be bf16 (a norm, attention or silu·mul output)");
        if (accumulate) Expect(c.Element == CudaElement.Float32, "matmul accumulates into the fp32 residual stream only");
        var outputType = accumulate ? GemmOutput.Float32 : GemmOutput.BFloat16;
        c.Element = accumulate ? CudaElement.Float32 : CudaElement.BFloat16;
        _blas.MatMul(_stream, a.Pointer, a.Stride, b.Pointer, c.Pointer, c.Stride, outputType, rows, a.Columns, c.Columns, accumulate);
    }

    public void HeadNormRope(DeviceTensor x, DeviceTensor weight, int heads, int headDim, float eps, float ropeTheta)
    {
        var t = Tensor(x);
        var w = Tensor(weight);
        Expect(t.Columns == heads * headDim && w.Columns == headDim, "head norm + rope widths differ");
        Expect(t.Element == CudaElement.BFloat16, "head norm + rope works on bf16 projections");
        var batch = Batch;
        var rope = Rope(headDim, ropeTheta, batch.MaxSequenceLength);
        HeadNormRopeLauncher.Launch(_kernels, _stream, t.Pointer, t.Stride, heads, headDim, w.Pointer, _positions!.Pointer, rope, batch.TokenCount, eps);
    }

    public void Attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, int heads, int kvHeads, int headDim, DeviceTensor output)
    {
        var tq = Tensor(q);
        var tk = Tensor(k);
        var tv = Tensor(v);
        var to = Tensor(output);
        Expect(tq.Columns == heads * headDim && to.Columns == tq.Columns, "attention q/output widths differ");
        Expect(tk.Columns == kvHeads * headDim && tv.Columns == tk.Columns, "attention k/v widths differ");
        Expect(tq.Element == CudaElement.BFloat16 && tk.Element == CudaElement.BFloat16 && tv.Element == CudaElement.BFloat16, "attention operands must be bf16");
        var batch = Batch;
        Expect(tk.Stride == tv.Stride, "attention k and v must share a row stride");
        to.Element = CudaElement.BFloat16;
        AttentionLauncher.Launch(_kernels, _stream, tq.Pointer, tq.Stride, tk.Pointer, tv.Pointer, tk.Stride, to.Pointer, to.Stride,
            _cuSeqLens!.Pointer, batch.SequenceCount, batch.MaxSequenceLength, heads, kvHeads, headDim, tokens: batch.TokenCount);
    }

    public void SiluMul(DeviceTensor gate, DeviceTensor up, DeviceTensor output, int rows)
    {
        var g = Tensor(gate);
        var u = Tensor(up);
        var y = Tensor(output);
        Expect(g.Columns == u.Columns && y.Columns == g.Columns, "silu_mul widths differ");
        Expect(g.Element == CudaElement.BFloat16 && u.Element == CudaElement.BFloat16, "silu_mul operands must be bf16");
        // gate and up are slices of one fused buffer, or separate buffers of equal width: one shared input stride.
        Expect(g.Stride == u.Stride, "silu_mul: gate and up must share a row stride");
        y.Element = CudaElement.BFloat16;
        SiluMulLauncher.Launch(_kernels, _stream, g.Pointer, u.Pointer, g.Stride, y.Pointer, y.Stride, rows, g.Columns);
    }

    public void Pool(DeviceTensor hidden, PoolingMode mode, DeviceTensor output)
    {
        var h = Tensor(hidden);
        var o = Tensor(output);
        Expect(h.Columns == o.Columns, "pool widths differ");
        var batch = Batch;
        Expect(batch.SequenceCount <= o.Rows, "pool output has fewer rows than sequences");
        // First-token pooling reads cu_seqlens[s], which is each sequence's first token.
        var indices = mode == PoolingMode.Cls ? _cuSeqLens!.Pointer : _lastTokens!.Pointer;
        Expect(o.IsContiguous, "pool output must be a whole buffer");
        PoolLauncher.Launch(_kernels, _stream, h.Pointer, h.Stride, h.Element == CudaElement.Float32, indices, _cuSeqLens!.Pointer,
            mean: mode == PoolingMode.Mean, batch.SequenceCount, o.Pointer, o.Columns, normalize: false);
        o.Element = CudaElement.Float32;
    }

    public void Download(DeviceTensor source, int rows, Span<float> destination)
    {
        var s = Tensor(source);
        Expect(rows <= s.Rows, "download rows exceed the buffer");
        Expect(s.IsContiguous, "download reads whole buffers, not column slices");
        var count = rows * s.Columns;
        Expect(destination.Length >= count, $"destination holds {destination.Length} floats; {count} needed");
        if (count == 0) return;
        var elementBytes = s.Element == CudaElement.Float32 ? 4L : 2L;
        if (_staging is null || _staging.Bytes < count * elementBytes)
        {
            _staging?.Dispose();
            _staging = new PinnedHostMemory(_context, Math.Max(count * elementBytes, 1L << 20));
        }
        _stream.CopyToHost(_staging, 0, s.Pointer, count * elementBytes);
        _stream.Synchronize();
        if (s.Element == CudaElement.Float32)
            new ReadOnlySpan<float>(_staging.Pointer, count).CopyTo(destination);
        else
        {
            var values = new ReadOnlySpan<ushort>(_staging.Pointer, count);
            for (var i = 0; i < count; i++) destination[i] = BFloat16.ToFloat(values[i]);
        }
    }

    /// <summary>The (cos, sin) table covering positions below <paramref name="positions"/>; rebuilt larger (power of two) when needed.</summary>
    private RopeTable Rope(int headDim, float theta, int positions)
    {
        for (var i = 0; i < _ropeTables.Count; i++)
        {
            var table = _ropeTables[i];
            if (table.HeadDim != headDim || table.Theta != theta) continue;
            if (table.Positions >= positions) return table;
            table.Dispose();
            _ropeTables.RemoveAt(i);
            break;
        }
        var created = new RopeTable(_context, _stream, headDim, theta, Math.Max(1024, (int)Math.Min(1L << 20, BitOperations.RoundUpToPowerOf2((uint)positions))));
        _ropeTables.Add(created);
        return created;
    }

    /// <summary>Out of device memory (the driver's or cuBLASLt's allocation failed): the model retries the batch smaller.</summary>
    public bool IsOutOfMemory(Exception error) => error is CudaException { IsOutOfMemory: true };

    /// <summary>Waits for everything enqueued (benchmarks; Download already waits).</summary>
    public void Synchronize() => _stream.Synchronize();

    private static CudaTensor Tensor(DeviceTensor tensor) =>
        tensor as CudaTensor ?? throw new ArgumentException($"{tensor} does not belong to the CUDA backend", nameof(tensor));

    private static void Expect(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }

    public void Dispose()
    {
        _context.MakeCurrent();
        _ids?.Dispose();
        _positions?.Dispose();
        _cuSeqLens?.Dispose();
        _lastTokens?.Dispose();
        _staging?.Dispose();
        _uploaded?.Synchronize();
        _upload?.Dispose();
        _uploaded?.Dispose();
        foreach (var table in _ropeTables) table.Dispose();
        _blas.Dispose();
        _kernels.Dispose();
        _stream.Dispose();
        _context.Dispose();
    }
}

/// <summary>bf16 on the host: round to nearest even (as PyTorch's .to(bfloat16)), widen exactly.</summary>
internal static class BFloat16
{
    public static ushort FromFloat(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) return (ushort)((bits >> 16) | 0x40);
        bits += 0x7fff + ((bits >> 16) & 1);
        return (ushort)(bits >> 16);
    }

    public static float ToFloat(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);
}
