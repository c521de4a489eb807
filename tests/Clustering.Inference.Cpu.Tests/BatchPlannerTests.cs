namespace Clustering.Inference.Cpu.Tests;

/// <summary>
/// The one batch planner: its exact plans on cases worked by hand, its rules checked over random windows, and the model
/// running a window through it (<see cref="EmbeddingModel.EmbedByLength"/>) with vectors back in the order given.
/// </summary>
public sealed class BatchPlannerTests
{
    [Fact]
    public void A_plan_is_shortest_first_cut_by_budget_and_by_the_sequence_cap()
    {
        // By length: 1 (#4), 3 (#1), 3 (#3), 4 (#6), 5 (#0), 8 (#2), 9 (#5). The first pass stops at the cap of 3 (7
        // tokens); 4 + 5 = 9 fits 10 but 9 + 8 does not; 8 + 9 does not either.
        var plan = BatchPlanner.Plan([5, 3, 8, 3, 1, 9, 4], tokenBudget: 10, maxSequences: 3);
        Assert.Equal([[4, 1, 3], [6, 0], [2], [5]], plan);
    }

    [Fact]
    public void A_pass_may_fill_the_budget_exactly_but_not_pass_it()
    {
        Assert.Equal([[2, 1, 0]], BatchPlanner.Plan([50, 49, 1], tokenBudget: 100)); // 1 + 49 + 50 = 100
        Assert.Equal([[2, 0], [1]], BatchPlanner.Plan([50, 50, 1], tokenBudget: 100));
    }

    [Fact]
    public void A_sequence_longer_than_the_budget_runs_alone()
    {
        Assert.Equal([[0, 2], [1], [3]], BatchPlanner.Plan([10, 5000, 20, 5000], tokenBudget: 100));
        Assert.Equal([[0], [1], [2]], BatchPlanner.Plan([7, 7, 7], tokenBudget: 1));
    }

    [Fact]
    public void Equal_lengths_keep_the_order_given()
    {
        Assert.Equal([1, 3, 0, 2], BatchPlanner.LengthOrder([3, 1, 3, 1]));
        Assert.Equal([[1, 3], [0, 2]], BatchPlanner.Plan([3, 1, 3, 1], tokenBudget: 6, maxSequences: 2));
        Assert.Empty(BatchPlanner.Plan([], tokenBudget: 8));
    }

    [Fact]
    public void A_pass_ends_where_the_next_sequence_would_break_the_budget_or_the_cap()
    {
        int[] ordered = [2, 2, 3, 3, 9];
        Assert.Equal(3, BatchPlanner.PassEnd(ordered, 0, tokenBudget: 7, maxSequences: 10));
        Assert.Equal(2, BatchPlanner.PassEnd(ordered, 0, tokenBudget: 7, maxSequences: 2));
        Assert.Equal(4, BatchPlanner.PassEnd(ordered, 3, tokenBudget: 3, maxSequences: 10));
        Assert.Equal(5, BatchPlanner.PassEnd(ordered, 4, tokenBudget: 3, maxSequences: 10));
    }

    [Fact]
    public void Bad_budgets_caps_and_lengths_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchPlanner.Plan([1], tokenBudget: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchPlanner.Plan([1], tokenBudget: 8, maxSequences: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchPlanner.Plan([1, -1], tokenBudget: 8));
    }

    [Theory]
    [InlineData(1, 2048, 64)]
    [InlineData(2, 512, int.MaxValue)]
    [InlineData(3, 100, 7)]
    public void Random_windows_cover_every_index_once_keep_budgets_and_cut_greedily(int seed, int budget, int cap)
    {
        var rng = new Random(seed);
        var lengths = Enumerable.Range(0, 700).Select(_ => rng.Next(1, 700)).ToArray();
        var plan = BatchPlanner.Plan(lengths, budget, cap);

        Assert.Equal(Enumerable.Range(0, lengths.Length), plan.SelectMany(p => p).Order());
        var flat = plan.SelectMany(p => p).ToArray();
        for (var k = 1; k < flat.Length; k++)
            Assert.True((lengths[flat[k - 1]], flat[k - 1]).CompareTo((lengths[flat[k]], flat[k])) < 0, $"position {k} is out of (length, index) order");
        for (var p = 0; p < plan.Count; p++)
        {
            var tokens = plan[p].Sum(i => lengths[i]);
            Assert.InRange(plan[p].Length, 1, cap);
            Assert.True(plan[p].Length == 1 || tokens <= budget, $"pass {p}: {tokens} tokens over {budget}");
            // Greedy: the next pass's first sequence did not fit this one.
            if (p + 1 < plan.Count)
                Assert.True(plan[p].Length == cap || tokens + lengths[plan[p + 1][0]] > budget, $"pass {p} ended early");
        }
    }

    [Fact]
    public void A_window_embedded_by_length_runs_the_planned_passes_and_returns_vectors_in_the_order_given()
    {
        var rng = new Random(11);
        var sequences = Enumerable.Range(0, 40).Select(_ => Enumerable.Range(0, rng.Next(1, 60)).Select(_ => rng.Next(1, 250)).ToArray()).ToArray();
        var gate = new DeviceGate();
        using var model = EmbeddingModel.Load(Fixtures.Model("qwen3-gqa4-bf16"), new EmbeddingOptions { BatchTokens = 128, MaxLength = 64 },
            new CpuOps(new CpuOptions { Threads = 1 }), gate);
        var d = model.Dimensions;
        var vectors = new float[sequences.Length * d];
        model.EmbedByLength(sequences, vectors);

        Assert.Equal(BatchPlanner.Plan(sequences.Select(s => s.Length).ToArray(), 128, model.MaxSequencesPerPass).Count, gate.Snapshot().BatchPasses);
        var alone = new float[d];
        for (var i = 0; i < sequences.Length; i++)
        {
            model.Embed([sequences[i]], alone);
            // A row's result does not depend on its neighbours in a pass: equal bit for bit, in the row given.
            Tolerance.ElementWise(alone, vectors.AsSpan(i * d, d), 0f, 0f, $"sequence {i} ({sequences[i].Length} tokens)");
        }
    }
}
