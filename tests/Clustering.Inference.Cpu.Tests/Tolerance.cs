namespace Clustering.Inference.Cpu.Tests;

/// <summary>Comparisons with a tolerance that scales with the reference (llm.c / ggml style).</summary>
internal static class Tolerance
{
    /// <summary>Every |actual − expected| ≤ atol + rtol·|expected|; the message names the first index that is not.</summary>
    public static void ElementWise(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float atol, float rtol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var limit = atol + rtol * Math.Abs(expected[i]);
            if (!(Math.Abs(actual[i] - expected[i]) <= limit))
                Assert.Fail($"{what}: element {i}: expected {expected[i]}, got {actual[i]} (limit {limit})");
        }
    }

    /// <summary>‖actual − expected‖ / ‖expected‖, the normalized error used for GEMMs and whole tensors.</summary>
    public static double NormalizedError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        double diff = 0, norm = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            diff += Math.Pow(actual[i] - expected[i], 2);
            norm += Math.Pow(expected[i], 2);
        }
        return Math.Sqrt(diff / Math.Max(norm, 1e-30));
    }

    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double max = 0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    public static float[] Random(int n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (var i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return x;
    }
}
