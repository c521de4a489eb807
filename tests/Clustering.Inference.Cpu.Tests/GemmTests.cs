using Clustering.Inference.Cpu.Kernels;

namespace Clustering.Inference.Cpu.Tests;

public sealed unsafe class GemmTests
{
    public static TheoryData<GemmKernel, int, int, int, bool> Shapes()
    {
        var data = new TheoryData<GemmKernel, int, int, int, bool>();
        foreach (var kernel in new[] { GemmKernel.Avx512, GemmKernel.Avx2, GemmKernel.Scalar })
        {
            if (kernel == GemmKernel.Avx512 && !System.Runtime.Intrinsics.X86.Avx512F.IsSupported) continue;
            if (kernel == GemmKernel.Avx2 && !System.Runtime.Intrinsics.X86.Fma.IsSupported) continue;
            foreach (var (m, n, k) in new[] { (1, 1, 1), (3, 17, 33), (17, 33, 127), (127, 3, 1), (33, 100, 300), (200, 65, 513), (1, 1000, 64), (97, 97, 257) })
            {
                data.Add(kernel, m, n, k, false);
                data.Add(kernel, m, n, k, true);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_reference_over_odd_shapes(GemmKernel kernel, int m, int n, int k, bool accumulate)
    {
        var a = Tolerance.Random(m * k, 1);
        var b = Tolerance.Random(n * k, 2);
        var initial = Tolerance.Random(m * n, 3);
        var expected = (float[])initial.Clone();
        GemmReference.Run(a, b, expected, m, n, k, accumulate);

        foreach (var threads in new[] { 1, 3 })
        {
            using var pool = new WorkerPool(threads);
            using var gemm = new Gemm(pool, kernel);
            using var packed = gemm.Pack(b, n, k);
            var actual = (float[])initial.Clone();
            fixed (float* pa = a, pc = actual) gemm.Run(pa, k, m, packed, pc, n, accumulate);
            var error = Tolerance.NormalizedError(expected, actual);
            Assert.True(error < 1e-6, $"{kernel} {m}x{n}x{k} acc={accumulate} threads={threads}: normalized error {error}");
        }
    }

    [Fact]
    public void Honours_row_strides_and_leaves_other_columns_alone()
    {
        // A is a column slice of a wider matrix (lda > k) and C a column slice of a wider output (ldc > n).
        const int m = 19, n = 40, k = 70, lda = 75, ldc = 50;
        var aWide = Tolerance.Random(m * lda, 4);
        var b = Tolerance.Random(n * k, 5);
        var a = new float[m * k];
        for (var i = 0; i < m; i++) Array.Copy(aWide, i * lda, a, i * k, k);
        var expected = new float[m * n];
        GemmReference.Run(a, b, expected, m, n, k, false);

        using var pool = new WorkerPool(2);
        using var gemm = new Gemm(pool, GemmKernel.Auto);
        using var packed = gemm.Pack(b, n, k);
        var c = Enumerable.Repeat(7f, m * ldc).ToArray();
        fixed (float* pa = aWide, pc = c) gemm.Run(pa, lda, m, packed, pc, ldc, false);
        var actual = new float[m * n];
        for (var i = 0; i < m; i++)
        {
            Array.Copy(c, i * ldc, actual, i * n, n);
            for (var j = n; j < ldc; j++) Assert.Equal(7f, c[i * ldc + j]);
        }
        Assert.True(Tolerance.NormalizedError(expected, actual) < 1e-6);
    }
}
