namespace Clustering.Inference.Cpu.Kernels;

/// <summary>
/// The specification of <see cref="Attention"/>: for each sequence [cu[s], cu[s+1]) and query head h, row i attends
/// to keys 0..i of its own sequence through kv head h / (heads / kvHeads): softmax(q·kᵀ / sqrt(headDim)) · v.
/// </summary>
internal static class AttentionReference
{
    public static void Run(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, ReadOnlySpan<int> cuSeqLens,
        int heads, int kvHeads, int headDim, Span<float> output)
    {
        var scale = 1.0 / Math.Sqrt(headDim);
        var group = heads / kvHeads;
        var qStride = heads * headDim;
        var kvStride = kvHeads * headDim;
        for (var s = 0; s + 1 < cuSeqLens.Length; s++)
        {
            var start = cuSeqLens[s];
            var length = cuSeqLens[s + 1] - start;
            var scores = new double[length];
            for (var h = 0; h < heads; h++)
            {
                var kvh = h / group;
                for (var i = 0; i < length; i++)
                {
                    var max = double.NegativeInfinity;
                    for (var j = 0; j <= i; j++)
                    {
                        double dot = 0;
                        for (var d = 0; d < headDim; d++)
                            dot += (double)q[(start + i) * qStride + h * headDim + d] * k[(start + j) * kvStride + kvh * headDim + d];
                        scores[j] = dot * scale;
                        max = Math.Max(max, scores[j]);
                    }
                    double sum = 0;
                    for (var j = 0; j <= i; j++) sum += scores[j] = Math.Exp(scores[j] - max);
                    for (var d = 0; d < headDim; d++)
                    {
                        double o = 0;
                        for (var j = 0; j <= i; j++) o += scores[j] * v[(start + j) * kvStride + kvh * headDim + d];
                        output[(start + i) * qStride + h * headDim + d] = (float)(o / sum);
                    }
                }
            }
        }
    }
}
