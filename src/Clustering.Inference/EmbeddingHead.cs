namespace Clustering.Inference;

/// <summary>
/// After pooling: MRL truncation to the first d dimensions, then L2 normalization when the model's modules.json
/// has a Normalize module (as torch.nn.functional.normalize: x / max(‖x‖, 1e-12)).
/// </summary>
public static class EmbeddingHead
{
    public static void Apply(ReadOnlySpan<float> pooled, bool normalize, Span<float> output)
    {
        var d = output.Length;
        if (d > pooled.Length) throw new ArgumentException($"cannot keep {d} of {pooled.Length} dimensions", nameof(output));
        pooled[..d].CopyTo(output);
        if (!normalize) return;
        double sum = 0;
        for (var i = 0; i < d; i++) sum += (double)output[i] * output[i];
        var scale = (float)(1.0 / Math.Max(Math.Sqrt(sum), 1e-12));
        for (var i = 0; i < d; i++) output[i] *= scale;
    }
}
