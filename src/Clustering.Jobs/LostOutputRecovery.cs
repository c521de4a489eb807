using Clustering.Coordination;
using Clustering.Pipeline;
using Clustering.Storage;
using Microsoft.Extensions.Logging;

namespace Clustering.Jobs;

/// <summary>
/// What a rerun does before it trusts its record: the output may have lost objects since (a part deleted by hand, a
/// fresh container of the same name while the state sits in ~/.cache). Done shards whose objects are gone are
/// reopened and redone as new attempts, and the output is unpublished meanwhile, so the rerun ends with every
/// document once and a manifest that names only what is there.
/// </summary>
public static class LostOutputRecovery
{
    /// <summary>Reopens the done shards of <paramref name="job"/> whose objects are gone; returns the job as it is now.</summary>
    public static async Task<JobRecord> RedoLostShardsAsync(IClusterStore store, JobRecord job, JobSpec spec, IBlobStore output, ILogger log,
        CancellationToken cancellationToken)
    {
        if (job.State == JobState.Cancelled) return job;
        var shards = await store.ListShardsAsync(job.Id, cancellationToken).ConfigureAwait(false);
        var lost = await CommittedObjects.FindLostAsync(output, spec, shards, cancellationToken).ConfigureAwait(false);
        if (lost.Count == 0) return job;
        await CommittedObjects.UnpublishAsync(output, cancellationToken).ConfigureAwait(false);
        foreach (var shard in lost)
        {
            log.LogWarning("{Problem}: shard {Shard} is done again", shard.Problem, shard.Shard);
            await store.ReopenShardsAsync(job.Id, [shard.Shard], shard.Problem, cancellationToken).ConfigureAwait(false);
        }
        return await store.GetJobAsync(job.Id, cancellationToken).ConfigureAwait(false) ?? job;
    }

    /// <summary>
    /// Whether a manifest published by a run whose state is not here still names only objects that are there; when
    /// not, the output is unpublished (the job is then planned and done again).
    /// </summary>
    public static async Task<bool> PublishedIsWholeAsync(IBlobStore output, JobManifest published, ILogger log, CancellationToken cancellationToken)
    {
        var missing = await CommittedObjects.FindMissingAsync(output, published, cancellationToken).ConfigureAwait(false);
        if (missing.Count == 0) return true;
        foreach (var problem in missing) log.LogWarning("{Problem}", problem);
        log.LogWarning("the published output is not whole and the state of the run that made it is not here: the job is done again");
        await CommittedObjects.UnpublishAsync(output, cancellationToken).ConfigureAwait(false);
        return false;
    }
}
