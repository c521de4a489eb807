using Clustering.Coordination;
using Clustering.Jobs;
using Clustering.Pipeline;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Clustering.Cluster;

/// <summary>
/// The coordinator of one job (see <see cref="IJobGrain"/>). Every change goes through one conditional update of the
/// store first and into the in-memory view only once accepted, so turns may interleave (the grain is reentrant: a
/// slow query does not hold up other workers' offers) and a second activation during a partition cannot corrupt the
/// job: the store refuses whichever write is stale.
/// </summary>
[Reentrant]
internal sealed partial class JobGrain(ClusterServices services, IClusterMembershipService membership, ILogger<JobGrain> log) : Grain, IJobGrain
{
    // Liveness of a lease comes from cluster membership (the owner's silo), not from renewals; the store's expiry
    // is a far backstop that nothing here relies on.
    private static readonly TimeSpan LeaseBackstop = TimeSpan.FromDays(1);

    private readonly ShardView _view = new();
    // Workers that got an offer from this activation: a silo unknown to membership that one of them names has
    // joined after our last membership update, not died before we activated.
    private readonly HashSet<string> _offeredHere = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<string> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private JobRecord? _job;
    private JobSpec? _spec;
    private JobState _state;
    private Task? _planning;
    private Task? _publishing;
    // Every shard ended and this activation is ending the job (publishing it, for a success): a cancel is refused.
    private bool _completing;
    // After a publication before success failed: when the owner check tries it again, and how many times it failed.
    private DateTimeOffset? _publishRetryAt;
    private int _publishFailures;
    private IGrainTimer? _ownerCheck;

    private string Id => this.GetPrimaryKeyString();

    private IClusterStore Store => services.Store;

    private IJobDirectoryGrain Directory => GrainFactory.GetGrain<IJobDirectoryGrain>(0);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Off the activation's own call first: with a store whose calls complete synchronously (SQLite), the grain
        // calls below would otherwise be sent inline while Orleans holds this activation's lock, and the directory
        // grain activating at the same time and calling us back deadlocked the two (seen in `embedctl run`).
        await Task.Yield();
        await LoadAsync(cancellationToken);
    }

    public async Task Start()
    {
        if (_job is null) await LoadAsync(CancellationToken.None);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        _job = await Store.GetJobAsync(Id, cancellationToken);
        if (_job is null) return;
        _state = _job.State;
        _spec = JobSpec.FromJson(_job.SpecJson);
        // Says which silo coordinates the job (operators, and the tests that kill that silo find it here).
        if (!_state.IsFinal()) log.LogInformation("job {Job}: coordinator active on this silo ({State})", Id, _state.ToText());
        switch (_state)
        {
            case JobState.Pending or JobState.Planning:
                _planning ??= PlanAsync();
                break;
            case JobState.Running:
                await BecomeRunningAsync(cancellationToken);
                break;
            case JobState.Failed when _job.Counters.Shards == 0:
                _ended.TrySetResult(_state.ToText()); // failed at planning: nothing to publish
                break;
            case JobState.Succeeded or JobState.Failed:
                _publishing ??= PublishAsync();
                break;
            default:
                _ended.TrySetResult(_state.ToText());
                break;
        }
    }

    public async Task<ShardLease?> Offer(WorkerInfo worker)
    {
        if (_state != JobState.Running || _job is null || !CanServe(_job, worker)) return null;
        // Only a shard whose work item arrived, claimed before the first await so that interleaved offers differ.
        if (_view.Claim(DateTimeOffset.UtcNow) is not { } index) return null;
        ShardRecord? record;
        try
        {
            record = await Store.LeaseShardAsync(worker.Id, new WorkerCapabilities(worker.DeviceKind, worker.GpuMemoryBytes), worker.ModelsLoaded,
                LeaseBackstop, CancellationToken.None, onlyJob: Id, onlyShard: index);
        }
        catch
        {
            _view.Unclaim(index);
            throw;
        }
        if (record is null)
        {
            // The store holds the shard otherwise than the view (changed by another activation): read it again.
            _view.Unclaim(index);
            await ResyncAsync();
            return null;
        }
        _offeredHere.Add(worker.Id);
        _view.Apply(record);
        return new ShardLease(Id, record.Index, record.Attempt, record.SpecJson, _job.SpecJson);
    }

    public async Task<bool> Commit(ShardResult r)
    {
        var done = new ShardCompletion(new ShardKey(Id, r.Index), r.Attempt, r.WorkerId, r.OutputKey, r.Rows, r.Bytes, r.Sha256, r.Errors, r.Tokens, r.EmptyTexts);
        if (!await Store.CompleteShardAsync(done)) return false;
        _view.MarkDone(r.Index);
        if (_view.Open == 0) await TryCompleteAsync();
        return true;
    }

    public async Task<FailedAttempt> Fail(string workerId, int index, int attempt, string reason)
    {
        var after = await Store.FailShardAsync(new ShardKey(Id, index), attempt, workerId, reason);
        if (after is null) return FailedAttempt.FencedOut;
        _view.Apply(after);
        log.LogWarning("job {Job}: shard {Index} attempt {Attempt} failed on {Worker}: {Reason}", Id, index, attempt, workerId, reason);
        if (after.State != ShardState.Failed) return FailedAttempt.Retrying;
        await TryCompleteAsync();
        return FailedAttempt.FailedForGood;
    }

    public async Task<bool> Release(string workerId, int index, int attempt)
    {
        if (!await Store.ReleaseShardAsync(new ShardKey(Id, index), attempt, workerId)) return false;
        _view.MarkPending(index, DateTimeOffset.MinValue);
        await Directory.WakeWorkers();
        return true;
    }

    public async Task<bool> Cancel(string reason)
    {
        if (_job is null) await LoadAsync(CancellationToken.None);
        if (_completing) return false; // every shard ended and the output is being published: too late to cancel
        if (!await Store.CancelJobAsync(Id)) return false;
        _state = JobState.Cancelled;
        await Store.AppendEventAsync(Id, "cancelled", reason);
        log.LogInformation("job {Job} cancelled: {Reason}", Id, reason);
        foreach (var owner in _view.Leases().Select(l => l.Owner).Distinct())
            if (WorkerIds.SiloOf(owner) is not null && IsAlive(owner, membership.CurrentSnapshot))
                GrainFactory.GetGrain<IWorkerGrain>(owner).Abandon(Id).Ignore();
        await Directory.JobEnded(Id);
        StopOwnerCheck();
        _ended.TrySetResult(_state.ToText());
        return true;
    }

    public async Task<string> WaitForEnd(TimeSpan wait)
    {
        if (_job is null) await LoadAsync(CancellationToken.None);
        if (_job is null) return "unknown";
        await Task.WhenAny(_ended.Task, Task.Delay(wait));
        return _ended.Task.IsCompleted ? _ended.Task.Result : _state.ToText();
    }

    private async Task BecomeRunningAsync(CancellationToken cancellationToken)
    {
        _state = JobState.Running;
        _view.Load(await Store.ListShardsAsync(Id, cancellationToken));
        // The rows are the truth: whatever is pending and has not arrived from the work stream in this activation
        // (just planned, or planned long ago by an activation that died) is published, and dropped if it comes twice.
        PublishUndelivered();
        _ownerCheck ??= this.RegisterGrainTimer(_ => CheckOwnersAsync(), new GrainTimerCreationOptions
        {
            DueTime = services.OwnerCheck, Period = services.OwnerCheck, Interleave = true, KeepAlive = true,
        });
        await Directory.JobRunning(new RunningJob(Id, _job!.ModelId, _job.CreatedAt, _job.RequiredDeviceKind, _job.MinGpuMemoryBytes));
        // Leases of owners already gone (a resumed run, a silo that died while no activation watched) go back now.
        await CheckOwnersAsync();
        if (_view.Open == 0) await TryCompleteAsync();
    }

    private void StopOwnerCheck()
    {
        _ownerCheck?.Dispose();
        _ownerCheck = null;
    }

    /// <summary>
    /// Ends the job when its shards say so: failed as soon as more shards failed than it allows, or once every shard
    /// ended over its bad-record budget; otherwise, once every shard ended, succeeded only after it is published
    /// (<see cref="SucceedAsync"/>). Every end is one conditional update of the store, so a second caller changes nothing.
    /// </summary>
    private async Task TryCompleteAsync()
    {
        if (_completing || _state != JobState.Running || _spec is null) return;
        if (_view.Open > 0)
        {
            // Shards still open: the job ends now only when more of them failed than it allows (the store counts).
            var counted = await Store.GetJobAsync(Id);
            if (counted is not null && counted.Counters.Failed > counted.AllowedFailedShards) await EndFailedAsync(overBudget: null);
            return;
        }
        // Claimed before the first await: the last two commits, interleaving, must not both end and publish the job.
        _completing = true;
        try
        {
            // The rows, not the view, decide: the manifest names exactly what they hold.
            var shards = await Store.ListShardsAsync(Id);
            if (shards.Any(s => s.State is ShardState.Pending or ShardState.Leased))
            {
                _view.Load(shards); // changed behind this activation's back (another activation): not over yet
                return;
            }
            if (shards.Count(s => s.State == ShardState.Failed) > (_job?.AllowedFailedShards ?? 0))
                await EndFailedAsync(overBudget: null);
            else if (JobBadRecords.OverBudget(_spec, shards) is { } overBudget)
                await EndFailedAsync(overBudget); // never succeeded first: status, the API and watch say why
            else
                await SucceedAsync(shards);
        }
        finally
        {
            _completing = false;
        }
    }

    /// <summary>Moves the job to failed (one conditional update), then publishes its failed manifest (no <c>_SUCCESS</c>).</summary>
    private async Task EndFailedAsync(string? overBudget)
    {
        if (overBudget is not null)
        {
            // The reason first: whoever reads the job failed (status, the API) finds why. Read only for a failed job,
            // it says nothing when the update below loses to a cancel or to another turn that did the same.
            await Store.AppendEventAsync(Id, JobState.Failed.ToText(), overBudget);
            if (!await Store.FailFinishedJobAsync(Id)) return;
            _state = JobState.Failed;
        }
        else
        {
            var completion = await Store.TryCompleteJobAsync(Id);
            if (completion is null) return;
            _state = completion.State;
            await Store.AppendEventAsync(Id, _state.ToText(), $"job {_state.ToText()}");
        }
        await EndedAsync();
        _publishing ??= PublishAsync();
    }

    /// <summary>What every end does once the store has it: no more owner checks, and workers stop asking.</summary>
    private async Task EndedAsync()
    {
        StopOwnerCheck();
        _publishFailures = 0;
        _publishRetryAt = null;
        log.LogInformation("job {Job} {State}", Id, _state.ToText());
        await Directory.JobEnded(Id);
    }
}
