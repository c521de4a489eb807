namespace Clustering.Inference;

/// <summary>
/// Plans forward passes for a window of inputs: sorts them by length (similar lengths together keep attention
/// work even and, on padded peers, padding low) and cuts the sorted list into batches whose token sum stays within
/// the budget. An input longer than the budget gets a batch of its own.
/// </summary>
public static class LengthBatcher
{
    /// <summary>Batches of indices into <paramref name="lengths"/>, shortest inputs first; every index appears once.</summary>
    public static List<int[]> Plan(IReadOnlyList<int> lengths, int tokenBudget, int maxSequences = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenBudget, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequences, 1);
        var order = new int[lengths.Count];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) => lengths[a] != lengths[b] ? lengths[a].CompareTo(lengths[b]) : a.CompareTo(b));
        var batches = new List<int[]>();
        var start = 0;
        while (start < order.Length)
        {
            var end = start;
            long tokens = 0;
            while (end < order.Length && end - start < maxSequences && (end == start || tokens + lengths[order[end]] <= tokenBudget))
            {
                tokens += lengths[order[end]];
                end++;
            }
            batches.Add(order[start..end]);
            start = end;
        }
        return batches;
    }
}
