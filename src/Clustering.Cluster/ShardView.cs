using Clustering.Coordination;

namespace Clustering.Cluster;

/// <summary>
/// A job grain's in-memory view of its shards, built from the rows at activation and updated only after the store
/// accepted a change, so it can be stale (another activation during a partition) but never ahead of the store. It
/// answers "is any shard due?" without a query, and lists the leases to check against membership.
/// </summary>
internal sealed class ShardView
{
    private readonly Dictionary<int, DateTimeOffset> _pending = [];
    private readonly Dictionary<int, (int Attempt, string Owner)> _leased = [];
    private readonly HashSet<int> _ended = [];

    public int Total { get; private set; }

    /// <summary>Shards not yet done or failed for good.</summary>
    public int Open => _pending.Count + _leased.Count;

    public void Load(IEnumerable<ShardRecord> shards)
    {
        _pending.Clear();
        _leased.Clear();
        _ended.Clear();
        Total = 0;
        foreach (var shard in shards)
        {
            Total++;
            Apply(shard);
        }
    }

    public void Apply(ShardRecord shard)
    {
        _pending.Remove(shard.Index);
        _leased.Remove(shard.Index);
        switch (shard.State)
        {
            case ShardState.Pending:
                _pending[shard.Index] = shard.NotBefore;
                break;
            case ShardState.Leased:
                _leased[shard.Index] = (shard.Attempt, shard.Owner ?? "");
                break;
            default:
                _ended.Add(shard.Index);
                break;
        }
    }

    public void MarkDone(int index)
    {
        _pending.Remove(index);
        _leased.Remove(index);
        _ended.Add(index);
    }

    public void MarkPending(int index, DateTimeOffset notBefore)
    {
        _leased.Remove(index);
        if (!_ended.Contains(index)) _pending[index] = notBefore;
    }

    /// <summary>A pending shard whose backoff is over.</summary>
    public bool AnyDue(DateTimeOffset now)
    {
        foreach (var notBefore in _pending.Values)
            if (notBefore <= now) return true;
        return false;
    }

    public IReadOnlyList<(int Index, int Attempt, string Owner)> Leases() => _leased.Select(l => (l.Key, l.Value.Attempt, l.Value.Owner)).ToArray();
}
