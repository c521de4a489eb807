using Clustering.Inference.Cpu.Kernels;

namespace Clustering.Inference.Cpu.Tests;

/// <summary>
/// The CPU attention kernel on documents of 8k-32k tokens (issue 14), where offsets, tile counts and the online
/// softmax's running sums are largest. The full naive reference would take minutes at these lengths, so chosen rows
/// (the first, the last, rows beside tile edges, random ones) are computed on their own in double precision: attention
/// rows are independent, so each is a complete check of its output.
/// </summary>
public sealed unsafe class LongAttentionTests
{
    [Theory]
    [InlineData(new[] { 32768 })]
    [InlineData(new[] { 3000, 4096, 5 })]
    public void Rows_of_long_sequences_match_the_reference_computed_row_by_row(int[] lengths)
    {
        const int heads = 2, kvHeads = 1, headDim = 16;
        var cu = new int[lengths.Length + 1];
        for (var s = 0; s < lengths.Length; s++) cu[s + 1] = cu[s] + lengths[s];
        var tokens = cu[^1];
        var q = Tolerance.Random(tokens * heads * headDim, 60, 2f);
        var k = Tolerance.Random(tokens * kvHeads * headDim, 61, 2f);
        var v = Tolerance.Random(tokens * kvHeads * headDim, 62);

        using var pool = new WorkerPool(Math.Max(1, Environment.ProcessorCount));
        using var attention = new Attention(pool);
        var actual = new float[tokens * heads * headDim];
        fixed (float* pq = q, pk = k, pv = v, po = actual)
        fixed (int* pcu = cu)
            attention.Run(pq, pk, pv, pcu, lengths.Length, heads, kvHeads, headDim, po);

        var rng = new Random(63);
        for (var s = 0; s < lengths.Length; s++)
        {
            var length = lengths[s];
            var rows = new SortedSet<int> { 0, length - 1, Math.Min(length - 1, 31), Math.Min(length - 1, 32), Math.Min(length - 1, 63), Math.Min(length - 1, 64) };
            for (var i = 0; i < 12; i++) rows.Add(rng.Next(length));
            foreach (var row in rows)
                for (var h = 0; h < heads; h++)
                {
                    var expected = Row(q, k, v, cu[s], row, h, heads, kvHeads, headDim);
                    var got = actual.AsSpan(((cu[s] + row) * heads + h) * headDim, headDim).ToArray();
                    Tolerance.ElementWise(expected, got, 2e-6f, 1e-4f, $"sequence {s} ({length} tokens) row {row} head {h}");
                }
        }
    }

    /// <summary>softmax(q·kᵀ / sqrt(D)) · v over keys 0..row of the sequence starting at <paramref name="start"/>, in double.</summary>
    private static float[] Row(float[] q, float[] k, float[] v, int start, int row, int h, int heads, int kvHeads, int headDim)
    {
        var kvh = h / (heads / kvHeads);
        var scores = new double[row + 1];
        var max = double.NegativeInfinity;
        for (var j = 0; j <= row; j++)
        {
            double dot = 0;
            for (var d = 0; d < headDim; d++)
                dot += (double)q[((start + row) * heads + h) * headDim + d] * k[((start + j) * kvHeads + kvh) * headDim + d];
            scores[j] = dot / Math.Sqrt(headDim);
            max = Math.Max(max, scores[j]);
        }
        double sum = 0;
        for (var j = 0; j <= row; j++) sum += scores[j] = Math.Exp(scores[j] - max);
        var output = new float[headDim];
        for (var d = 0; d < headDim; d++)
        {
            double o = 0;
            for (var j = 0; j <= row; j++) o += scores[j] * v[((start + j) * kvHeads + kvh) * headDim + d];
            output[d] = (float)(o / sum);
        }
        return output;
    }
}
