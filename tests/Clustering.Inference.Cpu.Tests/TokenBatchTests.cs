namespace Clustering.Inference.Cpu.Tests;

public sealed class TokenBatchTests
{
    [Fact]
    public void Token_batch_is_flat_with_offsets_positions_and_last_token_indices()
    {
        var batch = new TokenBatch(16, 4);
        batch.Add([5, 6, 7]);
        batch.Add([8]);
        batch.Add([9, 10]);
        Assert.Equal(6, batch.TokenCount);
        Assert.Equal([5, 6, 7, 8, 9, 10], batch.Ids[..6]);
        Assert.Equal([0, 1, 2, 0, 0, 1], batch.Positions[..6]);
        Assert.Equal([0, 3, 4, 6], batch.CuSeqLens[..4]);
        Assert.Equal([2, 3, 5], batch.PooledIndices[..3]);
        Assert.Equal(3, batch.MaxSequenceLength);
        Assert.False(batch.CanAdd(11));
        Assert.Throws<ArgumentException>(() => batch.Add([]));
        batch.Clear();
        Assert.Equal(0, batch.TokenCount);
        Assert.True(batch.CanAdd(16));
    }
}
