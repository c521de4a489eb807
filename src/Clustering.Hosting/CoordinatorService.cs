using Clustering.Coordination;
using Clustering.Corpus;
using Clustering.Pipeline;
using Clustering.Storage;
using Microsoft.Extensions.Logging;

namespace Clustering.Hosting;

/// <summary>
/// The job state machine's driver. Any number of hosts run it; only the holder of the store's "coordinator"
/// leadership lease acts, and all state lives in the store, so a new leader continues where the last one stopped.
/// Each tick: reclaim expired shard leases; plan pending jobs; complete running jobs whose shards are all done (or
/// whose failures exceed the policy) and publish them (manifest, _SUCCESS, removal of unnamed objects); then fire
/// due schedules (<see cref="Scheduling.ScheduleRunner"/>).
/// </summary>
public sealed class CoordinatorService(IClusterStore store, string owner, InputStores inputs, Func<string, IBlobStore> outputs,
    ILogger log, TimeSpan? tick = null)
{
    public const string LeadershipName = "coordinator";
    private readonly TimeSpan _tick = tick ?? TimeSpan.FromSeconds(1);
    // Jobs this leader has published: publication is idempotent, this only saves repeated listing.
    private readonly HashSet<string> _published = new(StringComparer.Ordinal);
    private LeadershipLease? _lease;
    private readonly Scheduling.ScheduleRunner _schedules = new(store, inputs, outputs, log);

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await TickAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (ClusterStoreUnavailableException e)
            {
                log.LogWarning("coordinator: store unavailable ({Message})", e.Message);
            }
            catch (Exception e) when (e is ClusteringException or IOException)
            {
                log.LogError("coordinator: {Message}", e.Message);
            }
            try
            {
                await Task.Delay(_tick, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        if (_lease is not null)
        {
            try
            {
                await store.ReleaseLeadershipAsync(_lease, CancellationToken.None).ConfigureAwait(false);
            }
            catch (ClusterStoreUnavailableException)
            {
                // It expires on its own.
            }
        }
    }

    /// <summary>One round of the state machine; returns false when another host leads.</summary>
    public async Task<bool> TickAsync(CancellationToken cancellationToken)
    {
        _lease = await store.TryAcquireLeadershipAsync(LeadershipName, owner, TimeSpan.FromSeconds(Math.Max(10, _tick.TotalSeconds * 10)), cancellationToken).ConfigureAwait(false);
        if (_lease is null) return false;

        var reclaimed = await store.ReclaimExpiredLeasesAsync(cancellationToken).ConfigureAwait(false);
        if (reclaimed > 0) log.LogWarning("coordinator: reclaimed {Count} expired shard leases", reclaimed);

        foreach (var job in await store.ListJobsAsync(JobState.Pending, cancellationToken: cancellationToken).ConfigureAwait(false))
            await PlanAsync(job, cancellationToken).ConfigureAwait(false);

        foreach (var job in await store.ListJobsAsync(JobState.Running, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var completion = await store.TryCompleteJobAsync(job.Id, cancellationToken).ConfigureAwait(false);
            if (completion is null) continue;
            log.LogInformation("coordinator: job {Job} {State}", job.Id, completion.State.ToText());
            await store.AppendEventAsync(job.Id, completion.State.ToText(), $"job {completion.State.ToText()}", cancellationToken).ConfigureAwait(false);
        }

        foreach (var state in new[] { JobState.Succeeded, JobState.Failed })
            foreach (var job in await store.ListJobsAsync(state, cancellationToken: cancellationToken).ConfigureAwait(false))
                if (!_published.Contains(job.Id))
                    await PublishAsync(job, cancellationToken).ConfigureAwait(false);

        // After publishing: a scheduled job that succeeded this tick is published before _latest.json names it.
        await _schedules.TickAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task PlanAsync(JobRecord job, CancellationToken cancellationToken)
    {
        if (!await store.TryStartPlanningAsync(job.Id, cancellationToken).ConfigureAwait(false)) return;
        try
        {
            var spec = JobSpec.FromJson(job.SpecJson);
            EmbeddingDescriptions.Describe(spec); // refuse a bad model before any shard exists
            var plan = await new JobPlanner(inputs).PlanAsync(spec, cancellationToken).ConfigureAwait(false);
            await store.PlanJobAsync(job.Id, JobPlanner.ShardsOf(plan), cancellationToken).ConfigureAwait(false);
            await store.AppendEventAsync(job.Id, "planned", $"{plan.Shards.Count} shards, about {plan.Documents} documents", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ClusteringException or IOException or UnauthorizedAccessException)
        {
            log.LogError("coordinator: job {Job} cannot be planned: {Message}", job.Id, e.Message);
            await store.AppendEventAsync(job.Id, "error", $"planning failed: {e.Message}", cancellationToken).ConfigureAwait(false);
            await store.CancelJobAsync(job.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PublishAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var spec = JobSpec.FromJson(job.SpecJson);
        var shards = await store.ListShardsAsync(job.Id, cancellationToken).ConfigureAwait(false);
        var manifest = await JobPublisher.PublishAsync(job, spec, shards, outputs(spec.Output), EmbeddingDescriptions.Describe(spec), cancellationToken).ConfigureAwait(false);
        _published.Add(job.Id);
        await store.AppendEventAsync(job.Id, "published", $"{manifest.Files.Count} files, {manifest.Documents} documents, {manifest.Errors} errors", cancellationToken).ConfigureAwait(false);
    }
}
