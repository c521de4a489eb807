namespace Clustering.Inference;

/// <summary>
/// The one rule that cuts token sequences into forward passes. <see cref="EmbeddingModel"/> cuts every pass with it
/// (<see cref="EmbeddingModel.EmbedByLength"/> for a window of documents: shard windows, stream windows, encode), and
/// the online batcher plans its passes with it, so every path batches the same way:
/// <list type="bullet">
/// <item>order: shortest first, equal lengths in the order given. Similar lengths in one pass keep attention work even
/// (and, on padded engines such as ONNX Runtime, padding low); the stable order makes a plan depend on the lengths alone.</item>
/// <item>a pass takes sequences in that order while its tokens stay within the budget and its sequences within the cap;</item>
/// <item>a sequence longer than the budget runs alone (the budget is a target, a sequence is never cut).</item>
/// </list>
/// </summary>
public static class BatchPlanner
{
    /// <summary>Indices of <paramref name="lengths"/> shortest first, equal lengths by index.</summary>
    public static int[] LengthOrder(IReadOnlyList<int> lengths)
    {
        // One key per input, (length, index) packed into a long: a stable order from the unstable Array.Sort, no comparer calls.
        var keys = new long[lengths.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(lengths[i]);
            keys[i] = (long)lengths[i] << 32 | (uint)i;
        }
        Array.Sort(keys);
        var order = new int[keys.Length];
        for (var i = 0; i < order.Length; i++) order[i] = (int)(keys[i] & uint.MaxValue);
        return order;
    }

    /// <summary>
    /// Where the pass that starts at <paramref name="start"/> ends (exclusive), over lengths already in pass order: the
    /// sequences from <paramref name="start"/> while their tokens stay within <paramref name="tokenBudget"/> and their
    /// count within <paramref name="maxSequences"/>; always at least one.
    /// </summary>
    public static int PassEnd(ReadOnlySpan<int> orderedLengths, int start, int tokenBudget, int maxSequences)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenBudget, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequences, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(start, orderedLengths.Length);
        long tokens = orderedLengths[start];
        var end = start + 1;
        while (end < orderedLengths.Length && end - start < maxSequences && tokens + orderedLengths[end] <= tokenBudget)
            tokens += orderedLengths[end++];
        return end;
    }

    /// <summary>The passes for <paramref name="lengths"/>: indices into it, shortest first; every index appears once.</summary>
    public static List<int[]> Plan(IReadOnlyList<int> lengths, int tokenBudget, int maxSequences = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenBudget, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequences, 1);
        var order = LengthOrder(lengths);
        var ordered = new int[order.Length];
        for (var i = 0; i < order.Length; i++) ordered[i] = lengths[order[i]];
        var passes = new List<int[]>();
        for (var start = 0; start < order.Length;)
        {
            var end = PassEnd(ordered, start, tokenBudget, maxSequences);
            passes.Add(order[start..end]);
            start = end;
        }
        return passes;
    }
}
