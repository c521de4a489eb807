using System.Text.Json;
using Clustering.Coordination;
using Clustering.Jobs;
using Clustering.Pipeline;
using Clustering.Storage;

namespace Clustering.Cluster.Tests;

/// <summary>The job grain under Orleans TestingHost: offers, fencing, retries with backoff, cancel, reactivation, a killed silo.</summary>
public sealed class JobGrainTests
{
    [Fact]
    public async Task Every_shard_is_committed_once_by_workers_of_two_silos_and_the_job_is_published()
    {
        await using var cluster = await GrainCluster.StartAsync(2);
        foreach (var device in cluster.Devices.Values) device.AfterWrite = (_, _, ct) => Task.Delay(30, ct);
        var (id, output) = await cluster.CreateJobAsync("job-two-silos", 40);

        Assert.Equal("succeeded", await cluster.RunToEndAsync(id));

        var shards = await cluster.Store.ListShardsAsync(id);
        Assert.All(shards, s => Assert.Equal((ShardState.Done, 1), (s.State, s.Attempt)));
        Assert.All(cluster.Devices.Values, d => Assert.NotEmpty(d.Runs)); // both silos' devices took work
        Assert.Equal(40, cluster.Devices.Values.Sum(d => d.Runs.Count));
        var manifest = JobManifest.Parse(await File.ReadAllBytesAsync(Path.Combine(output, OutputLayout.Manifest)));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => OutputLayout.PartKey(i, 1)), manifest.Files.Select(f => f.Key).Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(1, 40).Sum(), manifest.Documents);
        Assert.True(File.Exists(Path.Combine(output, OutputLayout.Success)));
        var events = await cluster.Store.ReadEventsAsync(id);
        Assert.Equal(["succeeded", "published"], events.Select(e => e.Kind));
    }

    [Fact]
    public async Task A_failed_attempt_is_retried_after_its_backoff_and_its_half_written_object_removed()
    {
        await using var cluster = await GrainCluster.StartAsync(1, backoffBase: TimeSpan.FromMilliseconds(400));
        var device = cluster.Devices.Values.Single();
        var failedAt = DateTimeOffset.MinValue;
        device.AfterWrite = (index, attempt, _) =>
        {
            if (index != 3 || attempt != 1) return Task.CompletedTask;
            failedAt = DateTimeOffset.UtcNow;
            throw new ClusteringException("device says no");
        };
        var (id, output) = await cluster.CreateJobAsync("job-retry", 6);

        Assert.Equal("succeeded", await cluster.RunToEndAsync(id));

        var shard = (await cluster.Store.ListShardsAsync(id)).Single(s => s.Index == 3);
        Assert.Equal((ShardState.Done, 2, 1, "device says no"), (shard.State, shard.Attempt, shard.Failures, shard.LastError));
        Assert.Equal([1, 2], device.Runs.Where(r => r.Index == 3).Select(r => r.Attempt));
        Assert.False(File.Exists(Path.Combine(output, OutputLayout.PartKey(3, 1))));
        Assert.True(File.Exists(Path.Combine(output, OutputLayout.PartKey(3, 2))));
        // The backoff's lower bound: half the base (jitter) before the second attempt could be offered.
        var retried = (await cluster.Store.ListShardsAsync(id)).Single(s => s.Index == 3).CompletedAt!.Value;
        Assert.True(retried - failedAt >= TimeSpan.FromMilliseconds(150), $"retried {(retried - failedAt).TotalMilliseconds} ms after the failure");
    }

    [Fact]
    public async Task A_shard_that_fails_every_attempt_fails_the_job_without_SUCCESS()
    {
        await using var cluster = await GrainCluster.StartAsync(1);
        cluster.Devices.Values.Single().AfterWrite = (index, _, _) =>
            index == 0 ? throw new ClusteringException("bad shard") : Task.CompletedTask;
        var (id, output) = await cluster.CreateJobAsync("job-fails", 3, maxAttempts: 2);

        Assert.Equal("failed", await cluster.RunToEndAsync(id));

        var shard = (await cluster.Store.ListShardsAsync(id)).Single(s => s.Index == 0);
        Assert.Equal((ShardState.Failed, 2, "bad shard"), (shard.State, shard.Failures, shard.LastError));
        var manifest = JobManifest.Parse(await File.ReadAllBytesAsync(Path.Combine(output, OutputLayout.Manifest)));
        Assert.Equal("failed", manifest.Status);
        Assert.False(File.Exists(Path.Combine(output, OutputLayout.Success)));
        // What the silo's /metrics counts: shard 0's first attempt went back for a retry, its second failed it for
        // good; shards 1 and 2 were committed.
        var counted = cluster.Progress.Values.Single().Snapshot();
        Assert.Equal((1, 1, 2), (counted.Retries, counted.ShardsFailed, counted.ShardsDone));
    }

    [Fact]
    public async Task A_job_is_succeeded_in_the_store_only_once_its_manifest_and_SUCCESS_are_written()
    {
        var outputs = new ObservedOutputs();
        await using var cluster = await GrainCluster.StartAsync(1, outputs: outputs.Open);
        outputs.Store = cluster.Store;
        var (id, output) = await cluster.CreateJobAsync("job-publish-order", 5);

        Assert.Equal("succeeded", await cluster.RunToEndAsync(id));

        // Whoever sees succeeded (status, watch, a schedule pointing _latest.json at the run) finds the run published.
        Assert.Equal([(OutputLayout.Manifest, JobState.Running), (OutputLayout.Success, JobState.Running)], outputs.Marks);
        Assert.Equal(JobState.Succeeded, (await cluster.Store.GetJobAsync(id))!.State);
        Assert.True(File.Exists(Path.Combine(output, OutputLayout.Success)));
        Assert.Equal(["succeeded", "published"], (await cluster.Store.ReadEventsAsync(id)).Select(e => e.Kind));
    }

    [Fact]
    public async Task A_coordinator_stopped_between_publishing_and_succeeding_publishes_again_when_reactivated_and_succeeds_once()
    {
        var outputs = new ObservedOutputs { FailAfterNextSuccess = true };
        await using var cluster = await GrainCluster.StartAsync(1, outputs: outputs.Open);
        outputs.Store = cluster.Store;
        var (id, output) = await cluster.CreateJobAsync("job-publish-crash", 4);
        var job = cluster.Grains.GetGrain<IJobGrain>(id);
        await job.Start();
        await WaitForEventAsync(cluster, id, "error");

        // Published, not yet succeeded: the job is still running with every shard done.
        var between = (await cluster.Store.GetJobAsync(id))!;
        Assert.Equal((JobState.Running, 4), (between.State, between.Counters.Done));
        Assert.True(File.Exists(Path.Combine(output, OutputLayout.Success)));
        var manifest = await File.ReadAllBytesAsync(Path.Combine(output, OutputLayout.Manifest));

        await cluster.Cluster.DeactivateAsync(job);
        Assert.Equal("succeeded", await cluster.RunToEndAsync(id));

        // The second publication found the first one's manifest and _SUCCESS and wrote neither again.
        Assert.Equal([(OutputLayout.Manifest, JobState.Running), (OutputLayout.Success, JobState.Running)], outputs.Marks);
        Assert.Equal(manifest, await File.ReadAllBytesAsync(Path.Combine(output, OutputLayout.Manifest)));
        Assert.Equal(JobState.Succeeded, (await cluster.Store.GetJobAsync(id))!.State);
        var events = await cluster.Store.ReadEventsAsync(id);
        Assert.Equal(["error", "succeeded", "published"], events.Select(e => e.Kind));
        Assert.Contains("stops right after writing _SUCCESS", events[0].Message);
    }

    private static async Task WaitForEventAsync(GrainCluster cluster, string jobId, string kind)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await cluster.Store.ReadEventsAsync(jobId)).Any(e => e.Kind == kind))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {jobId}: no {kind} event within 60 s");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_stale_attempt_or_another_owner_is_fenced_out_and_a_repeated_commit_is_a_success()
    {
        await using var cluster = await GrainCluster.StartAsync(1, devices: false);
        var (id, output) = await cluster.CreateJobAsync("job-fencing", 1);
        var job = cluster.Grains.GetGrain<IJobGrain>(id);
        await job.Start();
        var silo = cluster.Cluster.Silos[0].SiloAddress;
        WorkerInfo Worker(string device) => new(WorkerIds.Of(silo, device), "test", device, "cpu", null, 0, [], 0, 0, 0);
        // The committed object is really there (the publisher checks it and reads its ids), as a worker would leave it.
        var part = ScriptedExecutor.Part(1, "fenced");
        await File.WriteAllBytesAsync(Path.Combine(output, OutputLayout.PartKey(0, 2)), part);
        ShardResult Result(WorkerInfo w, int attempt) => new(id, 0, attempt, w.Id, OutputLayout.PartKey(0, attempt), 1, part.Length, "00", 0, 1);
        var (one, two) = (Worker("one"), Worker("two"));
        // Offers wait for the shard's item on the work stream, which arrives a moment after the job started.
        while ((await job.Deliveries()).Received == 0) await Task.Delay(20);

        var first = await job.Offer(one);
        Assert.Equal((0, 1), (first!.Index, first.Attempt));
        Assert.Null(await job.Offer(two)); // nothing else to offer
        Assert.True(await job.Release(one.Id, 0, 1));
        var second = await job.Offer(two);
        Assert.Equal(2, second!.Attempt);

        Assert.False(await job.Commit(Result(one, 1))); // the released attempt
        Assert.False(await job.Commit(Result(one, 2))); // the right attempt, the wrong owner
        Assert.Equal(FailedAttempt.FencedOut, await job.Fail(one.Id, 0, 1, "late"));
        Assert.True(await job.Commit(Result(two, 2)));
        Assert.True(await job.Commit(Result(two, 2))); // a retried commit of the same attempt and object
        Assert.Equal("succeeded", await job.WaitForEnd(TimeSpan.FromSeconds(30)));
        Assert.Equal((ShardState.Done, 2, OutputLayout.PartKey(0, 2)), (await cluster.Store.ListShardsAsync(id)) is [var s] ? (s.State, s.Attempt, s.OutputKey) : default);
    }

    [Fact]
    public async Task Cancel_ends_the_job_and_the_workers_drop_its_shards()
    {
        await using var cluster = await GrainCluster.StartAsync(1);
        var device = cluster.Devices.Values.Single();
        var dropped = new TaskCompletionSource();
        device.AfterWrite = async (_, _, ct) =>
        {
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { dropped.TrySetResult(); throw; }
        };
        var (id, _) = await cluster.CreateJobAsync("job-cancel", 4);
        var job = cluster.Grains.GetGrain<IJobGrain>(id);
        await job.Start();
        while (device.Runs.IsEmpty) await Task.Delay(50);

        Assert.True(await job.Cancel("cancelled by the test"));
        await dropped.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("cancelled", await job.WaitForEnd(TimeSpan.FromSeconds(5)));
        Assert.False(await job.Cancel("again"));
        Assert.Equal(JobState.Cancelled, (await cluster.Store.GetJobAsync(id))!.State);
        Assert.Null(await job.Offer(new WorkerInfo(WorkerIds.Of(cluster.Cluster.Silos[0].SiloAddress, "x"), "t", "x", "cpu", null, 0, [], 0, 0, 0)));
        Assert.Contains(await cluster.Store.ReadEventsAsync(id), e => e is { Kind: "cancelled", Message: "cancelled by the test" });
    }

    [Fact]
    public async Task A_deactivated_job_grain_comes_back_from_the_store_and_every_shard_is_still_done_once()
    {
        await using var cluster = await GrainCluster.StartAsync(2);
        foreach (var device in cluster.Devices.Values) device.AfterWrite = (_, _, ct) => Task.Delay(100, ct);
        var (id, output) = await cluster.CreateJobAsync("job-reactivate", 30);
        var job = cluster.Grains.GetGrain<IJobGrain>(id);
        await job.Start();
        while (cluster.Devices.Values.Sum(d => d.Runs.Count) < 6) await Task.Delay(20);

        await cluster.Cluster.DeactivateAsync(job);
        Assert.Equal("succeeded", await cluster.RunToEndAsync(id));

        Assert.All(await cluster.Store.ListShardsAsync(id), s => Assert.Equal((ShardState.Done, 1), (s.State, s.Attempt)));
        var manifest = JobManifest.Parse(await File.ReadAllBytesAsync(Path.Combine(output, OutputLayout.Manifest)));
        Assert.Equal(30, manifest.Files.Count);
    }

    [Fact]
    public async Task Shards_held_by_a_killed_silo_are_taken_back_and_redone_elsewhere()
    {
        await using var cluster = await GrainCluster.StartAsync(2);
        var primary = cluster.Cluster.Silos[0];
        var secondary = cluster.Cluster.Silos[1];
        // The secondary's device never finishes and, like a process killed with -9, never hears of the kill: a device
        // that honoured the cancellation would let the worker release its shards while the in-process silo stops
        // (TestingHost's kill still runs the silo's stop with a cancelled token), which is a graceful stop, not a kill.
        var frozen = new TaskCompletionSource();
        cluster.Devices[secondary.Name].AfterWrite = (_, _, _) => frozen.Task;
        cluster.Devices[primary.Name].AfterWrite = (_, _, ct) => Task.Delay(20, ct);
        var (id, output) = await cluster.CreateJobAsync("job-killed-silo", 12);
        var job = cluster.Grains.GetGrain<IJobGrain>(id);
        await job.Start();
        while (cluster.Devices[secondary.Name].Runs.IsEmpty) await Task.Delay(20);
        var held = cluster.Devices[secondary.Name].Runs.Select(r => r.Index).ToHashSet();

        await cluster.Cluster.KillSiloAsync(secondary);
        Assert.Equal("succeeded", await cluster.RunToEndAsync(id));

        var shards = await cluster.Store.ListShardsAsync(id);
        Assert.All(shards, s => Assert.Equal(ShardState.Done, s.State));
        foreach (var index in held)
        {
            var s = shards.Single(x => x.Index == index);
            Assert.Equal((2, 1), (s.Attempt, s.Failures));
            Assert.Contains("left the cluster", s.LastError);
            Assert.False(File.Exists(Path.Combine(output, OutputLayout.PartKey(index, 1))));
        }
        var manifest = JobManifest.Parse(await File.ReadAllBytesAsync(Path.Combine(output, OutputLayout.Manifest)));
        Assert.Equal(12, manifest.Files.Select(f => f.Key).Distinct().Count());
    }

    [Fact]
    public async Task A_lease_whose_answer_never_reached_its_live_worker_is_taken_back_and_the_job_ends()
    {
        // An offer leases the shard in the store and then answers; here the answer is dropped (as when the job grain's
        // silo dies mid-call): the store says the silo's own worker holds the shard, the worker never heard of it,
        // and its silo stays alive, so membership alone would never take the lease back.
        await using var cluster = await GrainCluster.StartAsync(1);
        var silo = cluster.Cluster.Silos[0];
        // A slow device: its worker has at most two shards in hand, so offers are left for the test to take.
        cluster.Devices[silo.Name].AfterWrite = (_, _, ct) => Task.Delay(300, ct);
        var (id, _) = await cluster.CreateJobAsync("job-lost-answer", 4);
        var job = cluster.Grains.GetGrain<IJobGrain>(id);
        await job.Start();
        var worker = new WorkerInfo(WorkerIds.Of(silo.SiloAddress, "cpu"), silo.Name, "cpu", "cpu", null, 0, [], 0, 0, 0);
        ShardLease? lost = null;
        for (var tries = 0; lost is null; tries++)
        {
            Assert.True(tries < 500, "no shard was offered within 5 s");
            lost = await job.Offer(worker); // answered to the test, never to the worker of that id
            if (lost is null) await Task.Delay(10);
        }

        Assert.Equal("succeeded", await cluster.RunToEndAsync(id));
        var shards = await cluster.Store.ListShardsAsync(id);
        Assert.All(shards, s => Assert.Equal(ShardState.Done, s.State));
        // Taken back (a release: no failed attempt counted) and done by a next attempt, the one the device ran.
        var taken = shards.Single(s => s.Index == lost.Index);
        Assert.Equal((lost.Attempt + 1, 0), (taken.Attempt, taken.Failures));
        Assert.Contains(cluster.Devices[silo.Name].Runs, r => r.Index == lost.Index && r.Attempt == lost.Attempt + 1);
        Assert.DoesNotContain(cluster.Devices[silo.Name].Runs, r => r.Index == lost.Index && r.Attempt == lost.Attempt);
    }

    [Fact]
    public async Task A_silo_that_stops_gracefully_releases_its_shards_without_counting_a_failed_attempt()
    {
        await using var cluster = await GrainCluster.StartAsync(2);
        var primary = cluster.Cluster.Silos[0];
        var secondary = cluster.Cluster.Silos[1];
        cluster.Devices[secondary.Name].AfterWrite = (_, _, ct) => Task.Delay(Timeout.Infinite, ct);
        cluster.Devices[primary.Name].AfterWrite = (_, _, ct) => Task.Delay(20, ct);
        var (id, output) = await cluster.CreateJobAsync("job-stopped-silo", 12);
        var job = cluster.Grains.GetGrain<IJobGrain>(id);
        await job.Start();
        while (cluster.Devices[secondary.Name].Runs.IsEmpty) await Task.Delay(20);
        var held = cluster.Devices[secondary.Name].Runs.Select(r => r.Index).ToHashSet();

        await cluster.Cluster.StopSiloAsync(secondary);
        Assert.Equal("succeeded", await cluster.RunToEndAsync(id));

        var shards = await cluster.Store.ListShardsAsync(id);
        foreach (var index in held)
        {
            var s = shards.Single(x => x.Index == index);
            Assert.Equal((ShardState.Done, 2, 0, (string?)null), (s.State, s.Attempt, s.Failures, s.LastError));
            Assert.False(File.Exists(Path.Combine(output, OutputLayout.PartKey(index, 1))));
        }
    }

    [Fact]
    public async Task A_job_that_cannot_be_planned_ends_failed_with_the_reason_as_its_failed_event()
    {
        await using var cluster = await GrainCluster.StartAsync(1);
        var output = Path.Combine(cluster.Root, "job-unplannable");
        var missing = Path.Combine(cluster.Root, "no-such-input.jsonl");
        var spec = new JobSpec { Inputs = [missing], Model = RepoPaths.TinyModel, Output = output };
        await cluster.Store.CreateJobAsync(new NewJob("job-unplannable", spec.ToJson(), RepoPaths.TinyModel, output, 3, 0), []);

        Assert.Equal("failed", await cluster.RunToEndAsync("job-unplannable"));

        Assert.Equal(JobState.Failed, (await cluster.Store.GetJobAsync("job-unplannable"))!.State);
        var failed = Assert.Single(await cluster.Store.ReadEventsAsync("job-unplannable"), e => e.Kind == "failed");
        Assert.StartsWith("planning failed: ", failed.Message);
        Assert.Contains(missing, failed.Message);
        Assert.Empty(await cluster.Store.ListShardsAsync("job-unplannable"));
        Assert.False(File.Exists(Path.Combine(output, OutputLayout.Success)));
        // Reactivated, it stays failed and publishes nothing.
        await cluster.Cluster.DeactivateAsync(cluster.Grains.GetGrain<IJobGrain>("job-unplannable"));
        Assert.Equal("failed", await cluster.RunToEndAsync("job-unplannable"));
        Assert.DoesNotContain(await cluster.Store.ReadEventsAsync("job-unplannable"), e => e.Kind == "published");
    }
}
