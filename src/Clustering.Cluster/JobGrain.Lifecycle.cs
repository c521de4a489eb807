using Clustering.Coordination;
using Clustering.Jobs;
using Clustering.Pipeline;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Clustering.Cluster;

/// <summary>The job grain's slow work, run off its turns: planning, publishing, and taking back shards of dead silos.</summary>
internal sealed partial class JobGrain
{
    private async Task PlanAsync()
    {
        try
        {
            if (_state == JobState.Pending && !await Store.TryStartPlanningAsync(Id))
            {
                // Another activation got there first, or the job was cancelled: follow the store.
                _job = await Store.GetJobAsync(Id);
                _state = _job?.State ?? JobState.Cancelled;
                if (_state == JobState.Running) await BecomeRunningAsync(CancellationToken.None);
                if (_state != JobState.Planning) return;
            }
            _state = JobState.Planning;
            var spec = _spec!;
            var plan = await Task.Run(async () =>
            {
                EmbeddingDescriptions.Describe(spec); // refuse a bad model before any shard exists
                return await new JobPlanner(services.Inputs).PlanAsync(spec, CancellationToken.None);
            });
            if (!await Store.PlanJobAsync(Id, JobPlanner.ShardsOf(plan)))
            {
                _job = await Store.GetJobAsync(Id);
                _state = _job?.State ?? JobState.Cancelled;
                if (_state.IsFinal()) _ended.TrySetResult(_state.ToText());
                return;
            }
            await Store.AppendEventAsync(Id, "planned", $"{plan.Shards.Count} shards, about {plan.Documents} documents");
            _job = await Store.GetJobAsync(Id) ?? _job;
            await BecomeRunningAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is ClusteringException or IOException or UnauthorizedAccessException)
        {
            // A job that cannot be planned fails with the reason as its "failed" event (status, the API's error and
            // watch read it there). It has no shards, so there is nothing to publish.
            log.LogError("job {Job} cannot be planned: {Message}", Id, e.Message);
            if (await Store.FailUnplannedJobAsync(Id))
            {
                _state = JobState.Failed;
                await Store.AppendEventAsync(Id, "failed", $"planning failed: {e.Message}");
            }
            else
            {
                _job = await Store.GetJobAsync(Id);
                _state = _job?.State ?? JobState.Cancelled;
            }
            _ended.TrySetResult(_state.ToText());
        }
        finally
        {
            _planning = null;
        }
    }

    /// <summary>
    /// Ends a job whose every shard ended within its allowances. Published first (manifest, removal of the objects it
    /// does not name, <c>_SUCCESS</c>), then moved to succeeded: whoever sees succeeded (status, watch, the schedule
    /// grain pointing <c>_latest.json</c> at the run) finds it published. A crash between the two leaves the job
    /// running with every shard ended, so the next activation comes back here, and the publication, idempotent, finds
    /// its manifest and only finishes what is missing.
    /// </summary>
    private async Task SucceedAsync(IReadOnlyList<ShardRecord> shards)
    {
        try
        {
            var job = await Store.GetJobAsync(Id);
            if (job is not { State: JobState.Running })
            {
                FollowStore(job); // ended by another activation, or cancelled
                return;
            }
            var manifest = await PublishManifestAsync(job with { State = JobState.Succeeded }, shards);
            var completion = await Store.TryCompleteJobAsync(Id);
            if (completion is null)
            {
                FollowStore(await Store.GetJobAsync(Id));
                return;
            }
            _state = completion.State;
            await Store.AppendEventAsync(Id, _state.ToText(), $"job {_state.ToText()}");
            await EndedAsync();
            await Store.AppendEventAsync(Id, "published", Published(manifest));
            _ended.TrySetResult(_state.ToText());
        }
        catch (Exception e) when (e is ClusteringException or IOException or UnauthorizedAccessException)
        {
            // The job stays running, every shard ended: the owner check tries again after a backoff (10 s, doubling
            // to 10 min), as does any later activation.
            var wait = RetryBackoff.Default.Delay(++_publishFailures, 1.0);
            _publishRetryAt = DateTimeOffset.UtcNow + wait;
            log.LogError("job {Job}: publishing failed (trying again in {Wait}): {Message}", Id, wait, e.Message);
            await Store.AppendEventAsync(Id, "error", $"publishing failed: {e.Message}");
        }
    }

    /// <summary>The store says the job ended (or vanished) while this activation was about to end it: go along.</summary>
    private void FollowStore(JobRecord? job)
    {
        _job = job ?? _job;
        _state = job?.State ?? JobState.Cancelled;
        if (!_state.IsFinal()) return;
        StopOwnerCheck();
        if (_state is JobState.Succeeded or JobState.Failed) _publishing ??= PublishAsync(); // idempotent: finishes theirs
        else _ended.TrySetResult(_state.ToText());
    }

    /// <summary>Publishes a job the store holds as ended (failed; or succeeded, after a crash before its "published" event).</summary>
    private async Task PublishAsync()
    {
        try
        {
            var job = await Store.GetJobAsync(Id) ?? throw new ClusteringException($"job {Id} vanished from the store");
            var manifest = await PublishManifestAsync(job, await Store.ListShardsAsync(Id));
            await Store.AppendEventAsync(Id, "published", Published(manifest));
            _ended.TrySetResult(job.State.ToText());
        }
        catch (Exception e) when (e is ClusteringException or IOException or UnauthorizedAccessException)
        {
            // Left for the next activation (or Start) to try again; the job's state is already final in the store.
            log.LogError("job {Job}: publishing failed: {Message}", Id, e.Message);
            await Store.AppendEventAsync(Id, "error", $"publishing failed: {e.Message}");
            _publishing = null;
        }
    }

    /// <summary>Manifest, removal of unnamed objects, <c>_SUCCESS</c> when <paramref name="job"/> says succeeded; off the grain's turns.</summary>
    private Task<JobManifest> PublishManifestAsync(JobRecord job, IReadOnlyList<ShardRecord> shards)
    {
        var spec = _spec!;
        return Task.Run(() => JobPublisher.PublishAsync(job, spec, shards, services.Outputs(spec.Output), EmbeddingDescriptions.Describe(spec)));
    }

    private static string Published(JobManifest manifest) =>
        $"{manifest.Files.Count} files, {manifest.Documents} documents, {manifest.Errors} errors";

    /// <summary>
    /// Shards leased by workers whose silo left the cluster go back to pending (counted as a failed attempt in a
    /// cluster), and so do leases a live worker does not hold (<see cref="TakeBackUnheldLeasesAsync"/>).
    /// </summary>
    private async Task CheckOwnersAsync()
    {
        if (_state != JobState.Running) return;
        if (_publishRetryAt is { } due && DateTimeOffset.UtcNow >= due && !_completing)
        {
            _publishRetryAt = null;
            await TryCompleteAsync(); // every shard ended, but publishing failed: again
            return;
        }
        if (DateTimeOffset.UtcNow >= _redeliverAt) PublishUndelivered(); // lost or late items; a queue that was down
        var snapshot = membership.CurrentSnapshot;
        var returned = 0;
        foreach (var (index, attempt, owner) in _view.Leases())
        {
            if (IsAlive(owner, snapshot)) continue;
            var key = new ShardKey(Id, index);
            if (services.DeadOwnerCountsAsFailure)
            {
                var after = await Store.FailShardAsync(key, attempt, owner, $"worker {owner} left the cluster (its silo was declared dead)");
                if (after is null) continue;
                _view.Apply(after);
            }
            else
            {
                if (!await Store.ReleaseShardAsync(key, attempt, owner)) continue;
                _view.MarkPending(index, DateTimeOffset.MinValue);
            }
            returned++;
            log.LogWarning("job {Job}: shard {Index} attempt {Attempt} taken back from {Owner}, whose silo is gone", Id, index, attempt, owner);
        }
        returned += await TakeBackUnheldLeasesAsync(snapshot);
        if (returned == 0) return;
        await Store.AppendEventAsync(Id, "reclaimed", $"{returned} shard(s) taken back from workers that left the cluster or never got them");
        await Directory.WakeWorkers();
        await TryCompleteAsync(); // a shard failed for good may end the job; the store decides
    }

    private bool IsAlive(string owner, ClusterMembershipSnapshot snapshot)
    {
        if (WorkerIds.SiloOf(owner) is not { } silo) return false; // not a worker of this runtime: a run before it
        var status = snapshot.GetSiloStatus(silo);
        return status switch
        {
            SiloStatus.Dead => false,
            SiloStatus.None => _offeredHere.Contains(owner),
            _ => true,
        };
    }
}
