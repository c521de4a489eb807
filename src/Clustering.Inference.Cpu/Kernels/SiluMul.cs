using System.Numerics.Tensors;

namespace Clustering.Inference.Cpu.Kernels;

/// <summary>
/// SwiGLU's gate: y = silu(g) · u element-wise over (rows, cols); y may be g. Chunks of a row small enough to stay
/// in L1 go through vectorized exp (TensorPrimitives) in a per-worker scratch; rows split across workers.
/// </summary>
internal sealed unsafe class SiluMul : IParallelWork, IDisposable
{
    private const int Chunk = 1024;
    private const int RowsPerItem = 8;
    private readonly WorkerPool _pool;
    private readonly NativeBuffer[] _scratch;
    private float* _g, _u, _y;
    private int _rows, _cols;

    public SiluMul(WorkerPool pool)
    {
        _pool = pool;
        _scratch = new NativeBuffer[pool.Workers];
        for (var w = 0; w < pool.Workers; w++) _scratch[w] = new NativeBuffer(Chunk);
    }

    public void Run(float* gate, float* up, float* y, int rows, int cols)
    {
        _g = gate; _u = up; _y = y;
        _rows = rows; _cols = cols;
        _pool.Run(this, (rows + RowsPerItem - 1) / RowsPerItem);
    }

    public void Execute(int item, int worker)
    {
        var end = Math.Min(_rows, (item + 1) * RowsPerItem);
        var t = new Span<float>(_scratch[worker].Pointer, Chunk);
        for (var r = item * RowsPerItem; r < end; r++)
        for (var c0 = 0; c0 < _cols; c0 += Chunk)
        {
            var n = Math.Min(Chunk, _cols - c0);
            var offset = (long)r * _cols + c0;
            var g = new ReadOnlySpan<float>(_g + offset, n);
            var u = new ReadOnlySpan<float>(_u + offset, n);
            var y = new Span<float>(_y + offset, n);
            var tmp = t[..n];
            TensorPrimitives.Negate(g, tmp);
            TensorPrimitives.Exp(tmp, tmp);
            TensorPrimitives.Add(tmp, 1f, tmp);
            TensorPrimitives.Divide(g, tmp, tmp); // silu(g)
            TensorPrimitives.Multiply(tmp, u, y);
        }
    }

    public void Dispose()
    {
        foreach (var b in _scratch) b.Dispose();
    }
}
