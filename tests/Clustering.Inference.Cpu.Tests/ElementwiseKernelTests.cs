using Clustering.Inference.Cpu.Kernels;

namespace Clustering.Inference.Cpu.Tests;

public sealed unsafe class ElementwiseKernelTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 17)]
    [InlineData(17, 33)]
    [InlineData(5, 127)]
    [InlineData(33, 1000)]
    [InlineData(2, 1024)]
    public void RmsNorm_matches_reference(int rows, int cols)
    {
        var x = Tolerance.Random(rows * cols, 10, 3f);
        var w = Tolerance.Random(cols, 11);
        var expected = new float[rows * cols];
        RmsNormReference.Run(x, w, 1e-6f, expected, rows, cols);
        using var pool = new WorkerPool(2);
        var norm = new RmsNorm(pool);
        var actual = new float[rows * cols];
        fixed (float* px = x, pw = w, py = actual) norm.Run(px, pw, 1e-6f, py, rows, cols);
        Tolerance.ElementWise(expected, actual, 1e-6f, 1e-5f, "rms_norm");
        // In place gives the same.
        fixed (float* px = x, pw = w) norm.Run(px, pw, 1e-6f, px, rows, cols);
        Tolerance.ElementWise(actual, x, 0, 0, "rms_norm in place");
    }

    [Theory]
    [InlineData(1, 1, 2)]
    [InlineData(3, 4, 16)]
    [InlineData(17, 2, 34)]
    [InlineData(33, 8, 64)]
    [InlineData(127, 16, 128)]
    [InlineData(5, 3, 66)]
    public void HeadNormRope_matches_reference(int tokens, int heads, int headDim)
    {
        var x = Tolerance.Random(tokens * heads * headDim, 20, 2f);
        var w = Tolerance.Random(headDim, 21);
        // Positions as in a flat batch: several sequences restarting at 0, and a large one.
        var positions = new int[tokens];
        for (var t = 0; t < tokens; t++) positions[t] = t % 7 == 6 ? 8000 + t : t % 5;
        var expected = (float[])x.Clone();
        HeadNormRopeReference.Run(expected, w, positions, heads, headDim, 1e-6f, 1e6f);

        using var pool = new WorkerPool(2);
        using var rope = new RopeTable(headDim, 1e6f);
        rope.EnsurePositions(positions.Max() + 1);
        var kernel = new HeadNormRope(pool);
        fixed (float* px = x, pw = w)
        fixed (int* pp = positions)
            kernel.Run(px, pw, pp, tokens, heads, headDim, 1e-6f, rope);
        Tolerance.ElementWise(expected, x, 1e-5f, 1e-5f, "q/k norm + rope");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 17)]
    [InlineData(17, 1000)]
    [InlineData(4, 3072)]
    [InlineData(127, 33)]
    public void SiluMul_matches_reference(int rows, int cols)
    {
        var g = Tolerance.Random(rows * cols, 30, 12f);
        var u = Tolerance.Random(rows * cols, 31, 2f);
        var expected = new float[rows * cols];
        SiluMulReference.Run(g, u, expected);
        using var pool = new WorkerPool(3);
        using var kernel = new SiluMul(pool);
        fixed (float* pg = g, pu = u) kernel.Run(pg, pu, pg, rows, cols); // in place over gate, as the model runs it
        Tolerance.ElementWise(expected, g, 1e-6f, 1e-5f, "silu_mul");
    }
}
