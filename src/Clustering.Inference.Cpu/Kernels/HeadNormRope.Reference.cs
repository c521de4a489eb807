namespace Clustering.Inference.Cpu.Kernels;

/// <summary>
/// The specification of <see cref="HeadNormRope"/>: per token and head, RMSNorm over headDim (HF q_norm/k_norm),
/// then q·cos + rotate_half(q)·sin with rotate_half(x) = cat(-x2, x1) and angles from positions (HF apply_rotary_pos_emb).
/// </summary>
internal static class HeadNormRopeReference
{
    public static void Run(Span<float> x, ReadOnlySpan<float> w, ReadOnlySpan<int> positions, int heads, int headDim, float eps, float theta)
    {
        var half = headDim / 2;
        var inv = RopeTable.InverseFrequencies(headDim, theta);
        var normed = new float[headDim];
        for (var t = 0; t < positions.Length; t++)
        for (var h = 0; h < heads; h++)
        {
            var v = x.Slice((t * heads + h) * headDim, headDim);
            RmsNormReference.Run(v, w, eps, normed, 1, headDim);
            for (var i = 0; i < half; i++)
            {
                var angle = (float)positions[t] * inv[i];
                var cos = (float)Math.Cos(angle);
                var sin = (float)Math.Sin(angle);
                v[i] = normed[i] * cos - normed[i + half] * sin;
                v[i + half] = normed[i + half] * cos + normed[i] * sin;
            }
        }
    }
}
