namespace Clustering.Tests.Shared;

/// <summary>Comparisons of embedding vectors, the measure every fidelity test states its bound in.</summary>
internal static class VectorMath
{
    /// <summary>Cosine similarity, accumulated in double so that a bound like 0.9999995 means the vectors, not rounding.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"vectors of {a.Length} and {b.Length} values");
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }
}
