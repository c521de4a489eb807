using Clustering.Coordination;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Clustering.Cluster;

/// <summary>
/// Leases the store holds for a live worker that never got them. An offer leases the shard in the store, then answers
/// the worker; when the answer is lost (the job grain's silo died mid-call, a connection dropped) the worker asks
/// again for other work and the lease would stand forever, as liveness comes from the owner's silo, not from
/// renewals, and the job would never end. So once a lease is old enough that its answer must have arrived, the job
/// grain asks its worker once whether it holds it; a worker that does not gets it taken back.
/// </summary>
internal sealed partial class JobGrain
{
    // How long an offer's answer may take to reach its worker before the lease is checked; far above a call's time.
    private static readonly TimeSpan LeaseConfirmAfter = TimeSpan.FromSeconds(10);
    // How long a worker may take to say what it holds; one that does not answer is asked at the next owner check.
    private static readonly TimeSpan HoldsAnswer = TimeSpan.FromSeconds(5);

    // Leases this activation has seen (with when) and those their worker confirmed holding.
    private readonly Dictionary<ShardAttempt, DateTimeOffset> _leaseSeen = [];
    private readonly HashSet<ShardAttempt> _leaseHeld = [];

    /// <summary>Takes back leases of live workers that say they do not hold them; returns how many.</summary>
    private async Task<int> TakeBackUnheldLeasesAsync(ClusterMembershipSnapshot snapshot)
    {
        var now = DateTimeOffset.UtcNow;
        var leases = _view.Leases();
        var current = leases.Select(l => new ShardAttempt(l.Index, l.Attempt)).ToHashSet();
        foreach (var gone in _leaseSeen.Keys.Where(k => !current.Contains(k)).ToList()) _leaseSeen.Remove(gone);
        _leaseHeld.RemoveWhere(k => !current.Contains(k));

        var toAsk = new Dictionary<string, List<ShardAttempt>>(StringComparer.Ordinal);
        foreach (var (index, attempt, owner) in leases)
        {
            var lease = new ShardAttempt(index, attempt);
            if (_leaseHeld.Contains(lease) || !IsAlive(owner, snapshot)) continue; // a gone owner's lease is the dead-owner check's
            if (!_leaseSeen.TryGetValue(lease, out var seen)) _leaseSeen[lease] = seen = now;
            if (now - seen < LeaseConfirmAfter) continue;
            if (!toAsk.TryGetValue(owner, out var list)) toAsk[owner] = list = [];
            list.Add(lease);
        }

        var returned = 0;
        foreach (var (owner, asked) in toAsk)
        {
            ShardAttempt[] held;
            try
            {
                held = await GrainFactory.GetGrain<IWorkerGrain>(owner).Holds(Id).WaitAsync(HoldsAnswer);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                continue; // unreachable now: asked again at the next check, or taken back when its silo is declared dead
            }
            foreach (var lease in asked)
            {
                if (held.Contains(lease))
                {
                    _leaseHeld.Add(lease);
                    continue;
                }
                // Fenced: refused if the shard moved on meanwhile (committed, failed, released by the worker itself).
                if (!await Store.ReleaseShardAsync(new ShardKey(Id, lease.Index), lease.Attempt, owner)) continue;
                _view.MarkPending(lease.Index, DateTimeOffset.MinValue);
                returned++;
                log.LogWarning("job {Job}: shard {Index} attempt {Attempt} taken back from {Owner}, which does not hold it (the offer's answer was lost)",
                    Id, lease.Index, lease.Attempt, owner);
            }
        }
        return returned;
    }
}
