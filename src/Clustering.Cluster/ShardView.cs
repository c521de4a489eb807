using Clustering.Coordination;

namespace Clustering.Cluster;

/// <summary>
/// A job grain's in-memory view of its shards, built from the rows at activation and updated only after the store
/// accepted a change, so it can be stale (another activation during a partition) but never ahead of the store. It
/// answers "which shard may be offered now?" without a query, and lists the leases to check against membership.
/// A pending shard may be offered only once its work item has arrived from the work stream (<see cref="Deliver"/>);
/// a shard once leased needs no new item to be offered again after a failure or a release.
/// </summary>
internal sealed class ShardView
{
    private readonly Dictionary<int, DateTimeOffset> _pending = [];
    private readonly Dictionary<int, (int Attempt, string Owner)> _leased = [];
    private readonly HashSet<int> _ended = [];
    // Shards whose work this activation received (or saw leased); kept across reloads, it is what the stream told us.
    private readonly HashSet<int> _delivered = [];
    // Taken by an offer whose lease query is in flight: no second offer may pick it meanwhile (the grain is reentrant).
    private readonly HashSet<int> _claimed = [];
    // Pending, delivered and not claimed, lowest first: what offers pick from (those still in backoff are skipped).
    private readonly SortedSet<int> _ready = [];

    public int Total { get; private set; }

    /// <summary>Shards not yet done or failed for good.</summary>
    public int Open => _pending.Count + _leased.Count;

    /// <summary>Distinct work items received, and redeliveries of shards already received (dropped).</summary>
    public (int Received, int Duplicates) Deliveries { get; private set; }

    public void Load(IEnumerable<ShardRecord> shards)
    {
        _pending.Clear();
        _leased.Clear();
        _ended.Clear();
        _ready.Clear();
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
        _ready.Remove(shard.Index);
        switch (shard.State)
        {
            case ShardState.Pending:
                _pending[shard.Index] = shard.NotBefore;
                Ready(shard.Index);
                break;
            case ShardState.Leased:
                _leased[shard.Index] = (shard.Attempt, shard.Owner ?? "");
                _claimed.Remove(shard.Index);
                _delivered.Add(shard.Index);
                break;
            default:
                _ended.Add(shard.Index);
                _claimed.Remove(shard.Index);
                break;
        }
    }

    public void MarkDone(int index)
    {
        _pending.Remove(index);
        _leased.Remove(index);
        _ready.Remove(index);
        _ended.Add(index);
    }

    public void MarkPending(int index, DateTimeOffset notBefore)
    {
        _leased.Remove(index);
        if (_ended.Contains(index)) return;
        _pending[index] = notBefore;
        Ready(index);
    }

    /// <summary>A work item for <paramref name="index"/> arrived; false when it had arrived before (a redelivery, dropped).</summary>
    public bool Deliver(int index)
    {
        if (!_delivered.Add(index))
        {
            Deliveries = (Deliveries.Received, Deliveries.Duplicates + 1);
            return false;
        }
        Deliveries = (Deliveries.Received + 1, Deliveries.Duplicates);
        Ready(index);
        return true;
    }

    /// <summary>Pending shards whose work item has not arrived: what the grain publishes (again).</summary>
    public List<int> Undelivered()
    {
        var undelivered = new List<int>();
        foreach (var index in _pending.Keys)
            if (!_delivered.Contains(index)) undelivered.Add(index);
        undelivered.Sort();
        return undelivered;
    }

    /// <summary>A pending, delivered shard whose backoff is over.</summary>
    public bool AnyDue(DateTimeOffset now)
    {
        foreach (var index in _ready)
            if (_pending[index] <= now) return true;
        return false;
    }

    /// <summary>The lowest shard that may be offered now, claimed for the caller's lease (<see cref="Unclaim"/> when it fails).</summary>
    public int? Claim(DateTimeOffset now)
    {
        foreach (var index in _ready)
        {
            if (_pending[index] > now) continue;
            _ready.Remove(index);
            _claimed.Add(index);
            return index;
        }
        return null;
    }

    /// <summary>The lease of a claimed shard did not happen: it may be offered again.</summary>
    public void Unclaim(int index)
    {
        if (_claimed.Remove(index)) Ready(index);
    }

    public IReadOnlyList<(int Index, int Attempt, string Owner)> Leases() => _leased.Select(l => (l.Key, l.Value.Attempt, l.Value.Owner)).ToArray();

    private void Ready(int index)
    {
        if (_pending.ContainsKey(index) && _delivered.Contains(index) && !_claimed.Contains(index)) _ready.Add(index);
    }
}
