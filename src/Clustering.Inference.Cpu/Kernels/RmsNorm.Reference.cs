namespace Clustering.Inference.Cpu.Kernels;

/// <summary>The specification of <see cref="RmsNorm"/> (HF Qwen3RMSNorm in fp32): y = w · (x · 1/sqrt(mean(x²) + eps)).</summary>
internal static class RmsNormReference
{
    public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> w, float eps, Span<float> y, int rows, int cols)
    {
        for (var r = 0; r < rows; r++)
        {
            double ss = 0;
            for (var i = 0; i < cols; i++) ss += (double)x[r * cols + i] * x[r * cols + i];
            var scale = (float)(1.0 / Math.Sqrt(ss / cols + eps));
            for (var i = 0; i < cols; i++) y[r * cols + i] = w[i] * (x[r * cols + i] * scale);
        }
    }
}
