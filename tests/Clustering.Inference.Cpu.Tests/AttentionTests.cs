using Clustering.Inference.Cpu.Kernels;

namespace Clustering.Inference.Cpu.Tests;

public sealed unsafe class AttentionTests
{
    [Theory]
    [InlineData(4, 4, 16, new[] { 1 })]
    [InlineData(4, 2, 32, new[] { 1, 2, 3, 17, 33 })]
    [InlineData(8, 2, 64, new[] { 300, 1, 65, 31, 32, 97 })]
    [InlineData(2, 1, 128, new[] { 127, 129, 5 })]
    [InlineData(6, 3, 18, new[] { 64, 63, 200 })]
    public void Matches_naive_reference(int heads, int kvHeads, int headDim, int[] lengths)
    {
        var cu = new int[lengths.Length + 1];
        for (var s = 0; s < lengths.Length; s++) cu[s + 1] = cu[s] + lengths[s];
        var tokens = cu[^1];
        var q = Tolerance.Random(tokens * heads * headDim, 40, 2f);
        var k = Tolerance.Random(tokens * kvHeads * headDim, 41, 2f);
        var v = Tolerance.Random(tokens * kvHeads * headDim, 42);
        var expected = new float[tokens * heads * headDim];
        AttentionReference.Run(q, k, v, cu, heads, kvHeads, headDim, expected);

        using var pool = new WorkerPool(3);
        using var attention = new Attention(pool);
        var actual = new float[expected.Length];
        fixed (float* pq = q, pk = k, pv = v, po = actual)
        fixed (int* pcu = cu)
            attention.Run(pq, pk, pv, pcu, lengths.Length, heads, kvHeads, headDim, po);
        Tolerance.ElementWise(expected, actual, 2e-6f, 1e-4f, "attention");
    }

    [Fact]
    public void A_sequence_does_not_see_its_neighbours()
    {
        // Same sequence alone and between two others gives the same rows.
        const int heads = 4, kvHeads = 2, headDim = 32;
        var lengths = new[] { 50, 70, 40 };
        var cu = new[] { 0, 50, 120, 160 };
        var q = Tolerance.Random(160 * heads * headDim, 50);
        var k = Tolerance.Random(160 * kvHeads * headDim, 51);
        var v = Tolerance.Random(160 * kvHeads * headDim, 52);
        using var pool = new WorkerPool(2);
        using var attention = new Attention(pool);
        var all = new float[160 * heads * headDim];
        fixed (float* pq = q, pk = k, pv = v, po = all)
        fixed (int* pcu = cu)
            attention.Run(pq, pk, pv, pcu, lengths.Length, heads, kvHeads, headDim, po);

        var alone = new float[70 * heads * headDim];
        var cuAlone = new[] { 0, 70 };
        fixed (float* pq = &q[50 * heads * headDim], pk = &k[50 * kvHeads * headDim], pv = &v[50 * kvHeads * headDim], po = alone)
        fixed (int* pcu = cuAlone)
            attention.Run(pq, pk, pv, pcu, 1, heads, kvHeads, headDim, po);
        Assert.Equal(alone, all.AsSpan(50 * heads * headDim, alone.Length).ToArray());
    }
}
