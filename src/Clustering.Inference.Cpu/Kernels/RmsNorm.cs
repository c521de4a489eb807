namespace Clustering.Inference.Cpu.Kernels;

/// <summary>
/// RMSNorm over rows: y (rows, cols) = w (cols) · (x · 1/sqrt(mean(x²) + eps)); y may be x.
/// One pass for the sum of squares, one for the scaled product, both SIMD; rows split across workers.
/// </summary>
internal sealed unsafe class RmsNorm(WorkerPool pool) : IParallelWork
{
    private const int RowsPerItem = 16;
    private float* _x, _w, _y;
    private float _eps;
    private int _rows, _cols;

    public void Run(float* x, float* w, float eps, float* y, int rows, int cols)
    {
        _x = x; _w = w; _y = y;
        _eps = eps; _rows = rows; _cols = cols;
        pool.Run(this, (rows + RowsPerItem - 1) / RowsPerItem);
    }

    public void Execute(int item, int worker)
    {
        var end = Math.Min(_rows, (item + 1) * RowsPerItem);
        for (var r = item * RowsPerItem; r < end; r++) Row(_x + (long)r * _cols, _w, _eps, _y + (long)r * _cols, _cols);
    }

    public static void Row(float* x, float* w, float eps, float* y, int n)
    {
        var scale = 1f / MathF.Sqrt(Simd.SumOfSquares(x, n) / n + eps);
        Simd.ScaleMultiply(x, scale, w, y, n);
    }
}
