namespace Clustering.Inference.Cpu.Tests;

public sealed class BatchingTests
{
    [Fact]
    public void Length_batcher_sorts_cuts_by_budget_and_covers_every_input_once()
    {
        var rng = new Random(3);
        var lengths = Enumerable.Range(0, 500).Select(_ => rng.Next(1, 700)).ToArray();
        var batches = LengthBatcher.Plan(lengths, tokenBudget: 2048, maxSequences: 64);
        Assert.Equal(Enumerable.Range(0, 500), batches.SelectMany(b => b).Order());
        var previous = 0;
        foreach (var batch in batches)
        {
            Assert.InRange(batch.Length, 1, 64);
            Assert.True(batch.Length == 1 || batch.Sum(i => lengths[i]) <= 2048);
            foreach (var i in batch)
            {
                Assert.True(lengths[i] >= previous);
                previous = lengths[i];
            }
        }
    }

    [Fact]
    public void An_input_longer_than_the_budget_runs_alone()
    {
        var batches = LengthBatcher.Plan([10, 5000, 20], tokenBudget: 100);
        Assert.Equal([[0, 2], [1]], batches);
    }

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
