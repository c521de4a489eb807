namespace Clustering.Inference.Cpu.Kernels;

/// <summary>The specification of <see cref="Gemm"/>: C (m, n) (+)= A (m, k) · Bᵀ with B (n, k), plain loops.</summary>
internal static class GemmReference
{
    public static void Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        for (var i = 0; i < m; i++)
        for (var j = 0; j < n; j++)
        {
            double sum = 0;
            for (var kk = 0; kk < k; kk++) sum += (double)a[i * k + kk] * b[j * k + kk];
            c[i * n + j] = accumulate ? c[i * n + j] + (float)sum : (float)sum;
        }
    }
}
