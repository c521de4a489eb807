using Clustering.Coordination;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Clustering.Cluster;

/// <summary>See <see cref="IJobDirectoryGrain"/>. On activation, and whenever a silo leaves the cluster, it wakes the grain of
/// every job the store says is not over: a running job's grain would come back at the next worker's offer anyway, but
/// nobody offers to a job that was still pending or planning when its grain died with its silo.</summary>
[Reentrant]
internal sealed class JobDirectoryGrain(ClusterServices services, IClusterMembershipService membership, ILogger<JobDirectoryGrain> log)
    : Grain, IJobDirectoryGrain
{
    private readonly Dictionary<string, RunningJob> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KnownWorker> _workers = new(StringComparer.Ordinal);
    private MembershipVersion _seen = MembershipVersion.MinValue;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Off the activation's own call before calling job grains (see JobGrain.OnActivateAsync: a synchronous store
        // would send those calls inline under this activation's lock).
        await Task.Yield();
        await WakeUnfinishedJobsAsync(cancellationToken);
        if (_running.Count > 0) log.LogInformation("job directory: {Count} running job(s) found in the store", _running.Count);
        this.RegisterGrainTimer(_ => OnMembershipChangeAsync(), new GrainTimerCreationOptions
        {
            DueTime = services.OwnerCheck, Period = services.OwnerCheck, Interleave = true, KeepAlive = true,
        });
    }

    private async Task WakeUnfinishedJobsAsync(CancellationToken cancellationToken)
    {
        _seen = membership.CurrentSnapshot.Version;
        foreach (var state in new[] { JobState.Pending, JobState.Planning, JobState.Running })
            foreach (var job in await services.Store.ListJobsAsync(state, 1000, cancellationToken))
            {
                if (state == JobState.Running)
                    _running[job.Id] = new RunningJob(job.Id, job.ModelId, job.CreatedAt, job.RequiredDeviceKind, job.MinGpuMemoryBytes);
                GrainFactory.GetGrain<IJobGrain>(job.Id).Start().Ignore();
            }
    }

    /// <summary>A silo that died may have taken a planning job's grain with it: <c>Start</c> re-activates it elsewhere
    /// (and costs one call to a grain that is still alive).</summary>
    private async Task OnMembershipChangeAsync()
    {
        var snapshot = membership.CurrentSnapshot;
        if (snapshot.Version == _seen) return;
        var anyGone = snapshot.Members.Values.Any(m => m.Status == SiloStatus.Dead);
        if (!anyGone) { _seen = snapshot.Version; return; }
        log.LogInformation("job directory: membership changed (version {Version}); waking the grains of unfinished jobs", snapshot.Version);
        await WakeUnfinishedJobsAsync(CancellationToken.None);
    }

    public Task<RunningJob[]> Running(WorkerInfo asker)
    {
        var now = DateTimeOffset.UtcNow;
        _workers[asker.Id] = new KnownWorker(asker, _workers.TryGetValue(asker.Id, out var known) ? known.FirstSeen : now, now);
        return Task.FromResult(_running.Values.OrderBy(j => j.CreatedAt).ThenBy(j => j.Id, StringComparer.Ordinal).ToArray());
    }

    public Task JobRunning(RunningJob job)
    {
        _running[job.Id] = job;
        return WakeWorkers();
    }

    public Task JobEnded(string jobId)
    {
        _running.Remove(jobId);
        return Task.CompletedTask;
    }

    public Task WakeWorkers()
    {
        foreach (var worker in Living())
            GrainFactory.GetGrain<IWorkerGrain>(worker.Info.Id).Wake().Ignore();
        return Task.CompletedTask;
    }

    public Task<KnownWorker[]> Workers() => Task.FromResult(Living().OrderBy(w => w.Info.Id, StringComparer.Ordinal).ToArray());

    /// <summary>Workers of silos still in the cluster; the others are forgotten here.</summary>
    private List<KnownWorker> Living()
    {
        var snapshot = membership.CurrentSnapshot;
        var living = new List<KnownWorker>();
        foreach (var worker in _workers.Values.ToArray())
        {
            var silo = WorkerIds.SiloOf(worker.Info.Id);
            var status = silo is null ? SiloStatus.Dead : snapshot.GetSiloStatus(silo);
            if (status is SiloStatus.Dead or SiloStatus.ShuttingDown or SiloStatus.Stopping) _workers.Remove(worker.Info.Id);
            else living.Add(worker);
        }
        return living;
    }
}
