using System.Collections.Concurrent;

namespace Clustering.Coordination.Tests;

/// <summary>
/// The behaviours every <see cref="IClusterStore"/> must have, run against each store by a concrete subclass.
/// Time is a <see cref="ManualClock"/>; backoff jitter comes from a seeded generator that the tests replay to know
/// the exact retry time.
/// </summary>
public abstract class ClusterStoreConformance : IAsyncLifetime
{
    protected static readonly DateTimeOffset Start = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    protected static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private const int JitterSeed = 7;
    protected static readonly WorkerCapabilities Cpu = new("cpu", 0);

    protected ManualClock Clock { get; } = new(Start);
    protected IClusterStore Store { get; private set; } = null!;

    protected ClusterStoreOptions Options => new()
    {
        Clock = Clock,
        Backoff = new RetryBackoff(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60), new Random(JitterSeed)),
    };

    /// <summary>The backoff the store uses, replayed: same seed, same draws in the same order.</summary>
    protected RetryBackoff ReplayBackoff { get; } = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60), new Random(JitterSeed));

    /// <summary>Opens the test's store: the same database every time it is called within one test.</summary>
    protected abstract Task<IClusterStore> OpenAsync();

    public virtual async Task InitializeAsync() => Store = await OpenAsync();

    public virtual async Task DisposeAsync() => await Store.DisposeAsync();

    protected static NewJob Job(string id, string model = "qwen3-0.6b", int maxAttempts = 3, int allowedFailed = 0, string? kind = null, long? memory = null) =>
        new(id, $$"""{"inputs":["{{id}}.jsonl"]}""", model, $"file:///out/{id}", maxAttempts, allowedFailed, kind, memory);

    protected static NewShard[] Shards(int count) =>
        Enumerable.Range(0, count).Select(i => new NewShard(i, $$"""{"input":"a.jsonl","offset":{{i * 1000}},"length":1000}""")).ToArray();

    private static ShardCompletion Done(ShardRecord s, string worker, long rows = 10) =>
        new(s.Key, s.Attempt, worker, $"part-{s.Index:D5}-a{s.Attempt}.parquet", rows, rows * 100, $"sha256:{s.Index}", 1, rows * 50, EmptyTexts: rows / 10);

    // ---- jobs ----

    [StoreFact]
    public async Task CreateJob_is_idempotent_by_id_and_keeps_every_field()
    {
        Assert.True(await Store.CreateJobAsync(Job("j1", kind: "CUDA", memory: 40L << 30) with { MaxAttempts = 5, AllowedFailedShards = 2 }, Shards(3)));
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await Store.CreateJobAsync(Job("j1", model: "other"), Shards(7)));

        var job = await Store.GetJobAsync("j1");
        Assert.NotNull(job);
        Assert.Equal(JobState.Running, job.State);
        Assert.Equal("""{"inputs":["j1.jsonl"]}""", job.SpecJson);
        Assert.Equal("qwen3-0.6b", job.ModelId);
        Assert.Equal("file:///out/j1", job.OutputLocation);
        Assert.Equal(5, job.MaxAttempts);
        Assert.Equal(2, job.AllowedFailedShards);
        Assert.Equal("cuda", job.RequiredDeviceKind);
        Assert.Equal(40L << 30, job.MinGpuMemoryBytes);
        Assert.Equal(Start, job.CreatedAt);
        Assert.Equal(Start, job.UpdatedAt);
        Assert.Equal(new JobCounters(3, 3, 0, 0, 0, 0, 0, 0, 0), job.Counters);

        var shards = await Store.ListShardsAsync("j1");
        Assert.Equal([0, 1, 2], shards.Select(s => s.Index));
        Assert.All(shards, s => Assert.Equal((ShardState.Pending, 0, 0, (string?)null), (s.State, s.Attempt, s.Failures, s.Owner)));
        Assert.Equal("""{"input":"a.jsonl","offset":2000,"length":1000}""", shards[2].SpecJson);
        Assert.Null(await Store.GetJobAsync("absent"));
    }

    [StoreFact]
    public async Task CreateJob_refuses_bad_definitions_with_a_message_naming_the_job()
    {
        var e1 = await Assert.ThrowsAsync<ClusteringException>(() => Store.CreateJobAsync(Job("bad") with { MaxAttempts = 0 }, Shards(1)));
        Assert.Equal("job bad: max_attempts must be at least 1, not 0", e1.Message);
        var e2 = await Assert.ThrowsAsync<ClusteringException>(() => Store.CreateJobAsync(Job("dup"), [new NewShard(0, "{}"), new NewShard(0, "{}")]));
        Assert.Equal("job dup: shard index 0 appears twice (position 1)", e2.Message);
        var e3 = await Assert.ThrowsAsync<ClusteringException>(() => Store.CreateJobAsync(Job("neg"), [new NewShard(-1, "{}")]));
        Assert.Equal("job neg: shard at position 0 has a negative index (-1)", e3.Message);
        Assert.Null(await Store.GetJobAsync("bad"));
    }

    [StoreFact]
    public async Task A_job_without_shards_is_pending_until_planned()
    {
        Assert.True(await Store.CreateJobAsync(Job("p"), []));
        Assert.Equal(JobState.Pending, (await Store.GetJobAsync("p"))!.State);
        Assert.True(await Store.TryStartPlanningAsync("p"));
        Assert.False(await Store.TryStartPlanningAsync("p"));
        Assert.Equal(JobState.Planning, (await Store.GetJobAsync("p"))!.State);
        Assert.Null(await Store.LeaseShardAsync("w", Cpu, [], Lease));

        Assert.True(await Store.PlanJobAsync("p", Shards(2)));
        Assert.False(await Store.PlanJobAsync("p", Shards(2)));
        Assert.Equal(new JobCounters(2, 2, 0, 0, 0, 0, 0, 0, 0), (await Store.GetJobAsync("p"))!.Counters);
        Assert.Equal(0, (await Store.LeaseShardAsync("w", Cpu, [], Lease))!.Index);
    }

    [StoreFact]
    public async Task ListJobs_is_newest_first_with_counters_and_a_state_filter()
    {
        await Store.CreateJobAsync(Job("old"), Shards(2));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Store.CreateJobAsync(Job("new"), Shards(3));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Store.CreateJobAsync(Job("unplanned"), []);
        var s = (await Store.LeaseShardAsync("w", Cpu, [], Lease))!;
        Assert.True(await Store.CompleteShardAsync(Done(s, "w", rows: 7)));

        var all = await Store.ListJobsAsync();
        Assert.Equal(["unplanned", "new", "old"], all.Select(j => j.Id));
        Assert.Equal(new JobCounters(2, 1, 0, 1, 0, 7, 700, 350, 1), all[2].Counters);
        Assert.Equal(JobCounters.Empty, all[0].Counters);
        Assert.Equal(["new", "old"], (await Store.ListJobsAsync(JobState.Running)).Select(j => j.Id));
        Assert.Equal(["unplanned"], (await Store.ListJobsAsync(limit: 1)).Select(j => j.Id));
    }

    [StoreFact]
    public async Task Cancel_stops_leasing_and_committing()
    {
        await Store.CreateJobAsync(Job("c"), Shards(3));
        var held = (await Store.LeaseShardAsync("w", Cpu, [], Lease))!;
        Assert.True(await Store.CancelJobAsync("c"));
        Assert.False(await Store.CancelJobAsync("c"));
        Assert.Equal(JobState.Cancelled, (await Store.GetJobAsync("c"))!.State);
        Assert.Null(await Store.LeaseShardAsync("w", Cpu, [], Lease));
        Assert.False(await Store.CompleteShardAsync(Done(held, "w")));
        Assert.Null(await Store.TryCompleteJobAsync("c"));
        Assert.False(await Store.CancelJobAsync("absent"));
    }

    // ---- leasing ----

    [StoreFact]
    public async Task Sixteen_concurrent_leasers_take_each_shard_exactly_once()
    {
        const int count = 120;
        await Store.CreateJobAsync(Job("many"), Shards(count));
        var taken = new ConcurrentBag<ShardRecord>();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            while (await Store.LeaseShardAsync($"w{w}", Cpu, [], Lease) is { } s) taken.Add(s);
        })));

        Assert.Equal(count, taken.Count);
        Assert.Equal(Enumerable.Range(0, count), taken.Select(s => s.Index).Order());
        Assert.All(taken, s => Assert.Equal((ShardState.Leased, 1, Start + Lease), (s.State, s.Attempt, s.LeaseExpiresAt!.Value)));
        var stored = await Store.ListShardsAsync("many");
        Assert.All(stored, s => Assert.Equal(taken.Single(t => t.Index == s.Index).Owner, s.Owner));
        Assert.Equal(count, (await Store.GetJobAsync("many"))!.Counters.Leased);
    }

    [StoreFact]
    public async Task Each_lease_adds_one_to_the_attempt_and_a_release_is_not_a_failure()
    {
        await Store.CreateJobAsync(Job("a"), Shards(2));
        var first = (await Store.LeaseShardAsync("w1", Cpu, [], Lease))!;
        Assert.Equal((0, 1, "w1", ShardState.Leased), (first.Index, first.Attempt, first.Owner, first.State));

        Assert.True(await Store.ReleaseShardAsync(first.Key, first.Attempt, "w1"));
        Assert.False(await Store.ReleaseShardAsync(first.Key, first.Attempt, "w1"));
        var second = (await Store.LeaseShardAsync("w2", Cpu, [], Lease))!;
        Assert.Equal((0, 2, 0, "w2"), (second.Index, second.Attempt, second.Failures, second.Owner));

        Assert.NotNull(await Store.FailShardAsync(second.Key, second.Attempt, "w2", "boom"));
        var other = (await Store.LeaseShardAsync("w3", Cpu, [], Lease))!;
        Assert.Equal((1, 1), (other.Index, other.Attempt)); // shard 0 waits out its backoff
        Clock.Advance(TimeSpan.FromSeconds(10));
        var third = (await Store.LeaseShardAsync("w3", Cpu, [], Lease))!;
        Assert.Equal((0, 3, 1), (third.Index, third.Attempt, third.Failures));
    }

    [StoreFact]
    public async Task Lease_prefers_a_job_whose_model_the_worker_has_loaded()
    {
        await Store.CreateJobAsync(Job("older", model: "m-small"), Shards(3));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Store.CreateJobAsync(Job("newer", model: "m-large"), Shards(2));

        Assert.Equal("newer", (await Store.LeaseShardAsync("w1", Cpu, ["m-large"], Lease))!.JobId);
        Assert.Equal("older", (await Store.LeaseShardAsync("w2", Cpu, [], Lease))!.JobId);
        Assert.Equal("older", (await Store.LeaseShardAsync("w3", Cpu, ["m-other", "m-small"], Lease))!.JobId);
        Assert.Equal("newer", (await Store.LeaseShardAsync("w4", Cpu, ["m-large"], Lease))!.JobId);
        // The preferred job is drained: the worker takes other work rather than idle.
        Assert.Equal("older", (await Store.LeaseShardAsync("w5", Cpu, ["m-large"], Lease))!.JobId);
    }

    [StoreFact]
    public async Task Lease_of_one_job_takes_only_that_jobs_shards()
    {
        await Store.CreateJobAsync(Job("first"), Shards(1));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Store.CreateJobAsync(Job("second"), Shards(2));

        Assert.Equal(("second", 0), (await Store.LeaseShardAsync("w1", Cpu, [], Lease, onlyJob: "second")) is { } a ? (a.JobId, a.Index) : default);
        Assert.Equal(("second", 1), (await Store.LeaseShardAsync("w2", Cpu, [], Lease, onlyJob: "second")) is { } b ? (b.JobId, b.Index) : default);
        Assert.Null(await Store.LeaseShardAsync("w3", Cpu, [], Lease, onlyJob: "second")); // drained; the other job's shard stays
        Assert.Null(await Store.LeaseShardAsync("w3", Cpu, [], Lease, onlyJob: "absent"));
        Assert.Equal("first", (await Store.LeaseShardAsync("w3", Cpu, [], Lease))!.JobId);
    }

    [StoreFact]
    public async Task Lease_of_one_named_shard_takes_it_only_while_it_is_pending_and_due()
    {
        await Store.CreateJobAsync(Job("named"), Shards(3));

        Assert.Equal((2, 1), (await Store.LeaseShardAsync("w1", Cpu, [], Lease, onlyJob: "named", onlyShard: 2)) is { } a ? (a.Index, a.Attempt) : default);
        Assert.Null(await Store.LeaseShardAsync("w2", Cpu, [], Lease, onlyJob: "named", onlyShard: 2)); // leased
        Assert.Null(await Store.LeaseShardAsync("w2", Cpu, [], Lease, onlyJob: "named", onlyShard: 7)); // no such shard
        Assert.Equal(ShardState.Pending, (await Store.FailShardAsync(new ShardKey("named", 2), 1, "w1", "boom"))!.State);
        Assert.Null(await Store.LeaseShardAsync("w2", Cpu, [], Lease, onlyJob: "named", onlyShard: 2)); // in its backoff
        Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal((2, 2), (await Store.LeaseShardAsync("w2", Cpu, [], Lease, onlyJob: "named", onlyShard: 2)) is { } b ? (b.Index, b.Attempt) : default);
        Assert.Equal(0, (await Store.LeaseShardAsync("w3", Cpu, [], Lease, onlyJob: "named"))!.Index); // without a name: the lowest
    }

    [StoreFact]
    public async Task Lease_respects_the_device_kind_and_memory_a_job_requires()
    {
        await Store.CreateJobAsync(Job("big", kind: "cuda", memory: 40L << 30), Shards(1));
        Assert.Null(await Store.LeaseShardAsync("cpu", Cpu, [], Lease));
        Assert.Null(await Store.LeaseShardAsync("small-gpu", new WorkerCapabilities("cuda", 24L << 30), [], Lease));
        Assert.Equal("big", (await Store.LeaseShardAsync("h100", new WorkerCapabilities("CUDA", 80L << 30), [], Lease))!.JobId);

        await Store.CreateJobAsync(Job("any"), Shards(1));
        Assert.Equal("any", (await Store.LeaseShardAsync("cpu", Cpu, [], Lease))!.JobId);
    }

    // ---- commits and failures ----

    [StoreFact]
    public async Task A_fenced_commit_is_refused_and_changes_nothing()
    {
        await Store.CreateJobAsync(Job("f"), Shards(1));
        var stale = (await Store.LeaseShardAsync("slow", Cpu, [], Lease))!;
        // Its silo was declared dead: the job grain fails the attempt it held (JobGrain's owner check).
        Assert.NotNull(await Store.FailShardAsync(stale.Key, stale.Attempt, "slow", "silo of slow left the cluster"));
        Clock.Advance(TimeSpan.FromSeconds(10));
        var fresh = (await Store.LeaseShardAsync("fast", Cpu, [], Lease))!;
        Assert.Equal(2, fresh.Attempt);

        var before = (await Store.ListShardsAsync("f"))[0];
        Assert.False(await Store.CompleteShardAsync(Done(stale, "slow")));               // stale attempt and owner
        Assert.False(await Store.CompleteShardAsync(Done(fresh, "slow")));               // right attempt, wrong owner
        Assert.False(await Store.CompleteShardAsync(Done(stale, "fast")));               // right owner, stale attempt
        Assert.Null(await Store.FailShardAsync(stale.Key, stale.Attempt, "slow", "late")); // a late failure is fenced too
        Assert.False(await Store.ReleaseShardAsync(stale.Key, stale.Attempt, "slow"));
        Assert.Equal(before, (await Store.ListShardsAsync("f"))[0]);

        Clock.Advance(TimeSpan.FromSeconds(3));
        Assert.True(await Store.CompleteShardAsync(Done(fresh, "fast", rows: 42)));
        var done = (await Store.ListShardsAsync("f"))[0];
        Assert.Equal((ShardState.Done, "part-00000-a2.parquet", 42L, 4200L, "sha256:0", 1L, 2100L, 4L, "fast", 2),
            (done.State, done.OutputKey, done.Rows, done.Bytes, done.Checksum, done.Errors, done.Tokens, done.EmptyTexts, done.Owner, done.Attempt));
        Assert.Equal(Clock.GetUtcNow(), done.CompletedAt);
        Assert.Null(done.LeaseExpiresAt);

        // A retried commit (the reply was lost) is a success and changes nothing; a different object is refused.
        Clock.Advance(TimeSpan.FromSeconds(3));
        Assert.True(await Store.CompleteShardAsync(Done(fresh, "fast", rows: 42)));
        Assert.False(await Store.CompleteShardAsync(Done(fresh, "fast") with { OutputKey = "other.parquet" }));
        Assert.False(await Store.CompleteShardAsync(Done(stale, "slow")));
        Assert.Equal(done, (await Store.ListShardsAsync("f"))[0]);
    }

    [StoreFact]
    public async Task A_failing_shard_backs_off_exponentially_then_fails_with_its_last_error()
    {
        await Store.CreateJobAsync(Job("flaky", maxAttempts: 3), Shards(1));
        for (var failure = 1; failure <= 3; failure++)
        {
            var s = (await Store.LeaseShardAsync("w", Cpu, [], Lease))!;
            Assert.Equal(failure, s.Attempt);
            var now = Clock.GetUtcNow();
            var after = (await Store.FailShardAsync(s.Key, s.Attempt, "w", $"error {failure}: input unreadable"))!;
            Assert.Equal(failure, after.Failures);
            Assert.Equal($"error {failure}: input unreadable", after.LastError);
            Assert.Null(after.LeaseExpiresAt);
            var jitter = ReplayBackoff.NextJitter();
            if (failure < 3)
            {
                var delay = ReplayBackoff.Delay(failure, jitter);
                Assert.Equal(ShardState.Pending, after.State);
                Assert.Equal(now + delay, after.NotBefore); // exactly the reference formula: 10 s · 2^(n-1) · jitter
                Assert.InRange(delay, TimeSpan.FromSeconds(5 << (failure - 1)), TimeSpan.FromSeconds(10 << (failure - 1)));
                Clock.Advance(delay - TimeSpan.FromMilliseconds(1));
                Assert.Null(await Store.LeaseShardAsync("w", Cpu, [], Lease)); // not before its time
                Clock.Advance(TimeSpan.FromMilliseconds(1));
            }
            else
            {
                Assert.Equal(ShardState.Failed, after.State);
            }
        }
        Assert.Null(await Store.LeaseShardAsync("w", Cpu, [], Lease));
        var completion = await Store.TryCompleteJobAsync("flaky");
        Assert.Equal(JobState.Failed, completion!.State);
        Assert.Equal("error 3: input unreadable", completion.Shards.Single().LastError);
    }

    // ---- job completion ----

    [StoreFact]
    public async Task A_finished_job_can_be_failed_whatever_its_shards_say_but_not_while_shards_are_open()
    {
        await Store.CreateJobAsync(Job("budget"), Shards(2));
        var first = (await Store.LeaseShardAsync("w0", Cpu, [], Lease))!;
        Assert.True(await Store.CompleteShardAsync(Done(first, "w0")));
        Assert.False(await Store.FailFinishedJobAsync("budget")); // shard 1 is still pending
        var second = (await Store.LeaseShardAsync("w1", Cpu, [], Lease))!;
        Assert.False(await Store.FailFinishedJobAsync("budget")); // and now leased
        Assert.True(await Store.CompleteShardAsync(Done(second, "w1")));

        Assert.True(await Store.FailFinishedJobAsync("budget"));
        Assert.Equal((JobState.Failed, 2), ((await Store.GetJobAsync("budget"))!.State, (await Store.GetJobAsync("budget"))!.Counters.Done));
        Assert.False(await Store.FailFinishedJobAsync("budget")); // final already
        Assert.Null(await Store.TryCompleteJobAsync("budget"));    // and it never becomes succeeded
        Assert.False(await Store.FailFinishedJobAsync("no-such-job"));
    }

    [StoreFact]
    public async Task Reopened_shards_of_a_finished_job_are_redone_as_new_attempts_and_the_job_completes_again()
    {
        await Store.CreateJobAsync(Job("lost"), Shards(3));
        for (var i = 0; i < 3; i++)
        {
            var s = (await Store.LeaseShardAsync($"w{i}", Cpu, [], Lease))!;
            Assert.True(await Store.CompleteShardAsync(Done(s, $"w{i}", rows: 10 + i)));
        }
        Assert.Equal(JobState.Succeeded, (await Store.TryCompleteJobAsync("lost"))!.State);

        Clock.Advance(TimeSpan.FromSeconds(1));
        // Shard 1's object is gone; 7 is no shard of the job: only shard 1 is reopened.
        Assert.Equal(1, await Store.ReopenShardsAsync("lost", [1, 7], "part-00001-a1.parquet is gone from the output"));
        var job = (await Store.GetJobAsync("lost"))!;
        Assert.Equal((JobState.Running, 1, 2, 22L), (job.State, job.Counters.Pending, job.Counters.Done, job.Counters.Rows));
        var reopened = (await Store.ListShardsAsync("lost"))[1];
        Assert.Equal((ShardState.Pending, null, 0L, 0L, null, "part-00001-a1.parquet is gone from the output", 1),
            (reopened.State, reopened.OutputKey, reopened.Rows, reopened.EmptyTexts, reopened.CompletedAt, reopened.LastError, reopened.Attempt));
        Assert.Equal(0, await Store.ReopenShardsAsync("lost", [1], "again")); // pending, not done: nothing to reopen

        var redo = (await Store.LeaseShardAsync("w9", Cpu, [], Lease))!;
        Assert.Equal((1, 2), (redo.Index, redo.Attempt)); // a new attempt: a new object name
        Assert.True(await Store.CompleteShardAsync(Done(redo, "w9", rows: 11)));
        var again = (await Store.TryCompleteJobAsync("lost"))!;
        Assert.Equal(JobState.Succeeded, again.State);
        Assert.Equal(["part-00000-a1.parquet", "part-00001-a2.parquet", "part-00002-a1.parquet"], again.Committed.Select(s => s.OutputKey!));

        // A cancelled job stays cancelled.
        await Store.CreateJobAsync(Job("gone"), Shards(1));
        var only = (await Store.LeaseShardAsync("w", Cpu, [], Lease, onlyJob: "gone"))!;
        Assert.True(await Store.CompleteShardAsync(Done(only, "w")));
        Assert.True(await Store.CancelJobAsync("gone"));
        Assert.Equal(0, await Store.ReopenShardsAsync("gone", [0], "lost"));
        Assert.Equal(JobState.Cancelled, (await Store.GetJobAsync("gone"))!.State);
    }

    [StoreFact]
    public async Task A_job_completes_exactly_once_even_with_concurrent_completers()
    {
        await Store.CreateJobAsync(Job("done"), Shards(4));
        for (var i = 0; i < 4; i++)
        {
            Assert.Null(await Store.TryCompleteJobAsync("done"));
            var s = (await Store.LeaseShardAsync($"w{i}", Cpu, [], Lease))!;
            Assert.True(await Store.CompleteShardAsync(Done(s, $"w{i}", rows: 10 + i)));
        }
        Clock.Advance(TimeSpan.FromSeconds(1));
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Store.TryCompleteJobAsync("done"))));

        var winner = Assert.Single(results, r => r is not null)!;
        Assert.Equal(JobState.Succeeded, winner.State);
        Assert.Equal(["part-00000-a1.parquet", "part-00001-a1.parquet", "part-00002-a1.parquet", "part-00003-a1.parquet"],
            winner.Committed.Select(s => s.OutputKey!));
        Assert.Equal([10L, 11, 12, 13], winner.Committed.Select(s => s.Rows));
        var job = (await Store.GetJobAsync("done"))!;
        Assert.Equal((JobState.Succeeded, Clock.GetUtcNow(), 46L), (job.State, job.UpdatedAt, job.Counters.Rows));
        Assert.Null(await Store.TryCompleteJobAsync("done"));
    }

    [StoreFact]
    public async Task A_job_fails_as_soon_as_more_shards_failed_than_its_policy_allows()
    {
        await Store.CreateJobAsync(Job("policy", maxAttempts: 1, allowedFailed: 1), Shards(4));
        var s0 = (await Store.LeaseShardAsync("w", Cpu, [], Lease))!;
        Assert.Equal(ShardState.Failed, (await Store.FailShardAsync(s0.Key, s0.Attempt, "w", "bad 0"))!.State);
        Assert.Null(await Store.TryCompleteJobAsync("policy")); // one failure is allowed and shards remain
        var s1 = (await Store.LeaseShardAsync("w", Cpu, [], Lease))!;
        await Store.FailShardAsync(s1.Key, s1.Attempt, "w", "bad 1");
        var completion = (await Store.TryCompleteJobAsync("policy"))!;
        Assert.Equal(JobState.Failed, completion.State);
        Assert.Equal([ShardState.Failed, ShardState.Failed, ShardState.Pending, ShardState.Pending], completion.Shards.Select(s => s.State));
        Assert.Null(await Store.LeaseShardAsync("w", Cpu, [], Lease));
    }

    [StoreFact]
    public async Task A_job_within_its_failure_allowance_succeeds_with_the_committed_shards()
    {
        await Store.CreateJobAsync(Job("partial", maxAttempts: 1, allowedFailed: 1), Shards(2));
        var s0 = (await Store.LeaseShardAsync("w", Cpu, [], Lease))!;
        await Store.FailShardAsync(s0.Key, s0.Attempt, "w", "unreadable");
        var s1 = (await Store.LeaseShardAsync("w", Cpu, [], Lease))!;
        await Store.CompleteShardAsync(Done(s1, "w"));
        var completion = (await Store.TryCompleteJobAsync("partial"))!;
        Assert.Equal(JobState.Succeeded, completion.State);
        Assert.Equal([1], completion.Committed.Select(s => s.Index));
    }

    // ---- events, schedules ----

    [StoreFact]
    public async Task Events_read_back_per_job_in_append_order()
    {
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await Store.AppendEventAsync("x", "progress", $"x{i}"));
            await Store.AppendEventAsync("y", "progress", $"y{i}");
            Clock.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.Equal(ids.Order(), ids);
        var all = await Store.ReadEventsAsync("x");
        Assert.Equal(["x0", "x1", "x2", "x3", "x4"], all.Select(e => e.Message));
        Assert.Equal(ids, all.Select(e => e.Id));
        Assert.Equal(Start + TimeSpan.FromMilliseconds(2), all[2].At);
        Assert.Equal(["x2", "x3"], (await Store.ReadEventsAsync("x", afterId: ids[1], limit: 2)).Select(e => e.Message));
        Assert.Empty(await Store.ReadEventsAsync("x", afterId: ids[4]));
        Assert.Empty(await Store.ReadEventsAsync("nobody"));
    }

    [StoreFact]
    public async Task Schedules_save_and_each_occurrence_advances_once()
    {
        var next = Start + TimeSpan.FromMinutes(1);
        await Store.UpsertScheduleAsync(new ScheduleRecord("nightly", "@every 24h", """{"model":"m"}""", next));
        await Store.UpsertScheduleAsync(new ScheduleRecord("off", "@every 1h", "{}", Start, Enabled: false));

        Clock.Advance(TimeSpan.FromMinutes(1));
        var due = (await Store.GetScheduleAsync("nightly"))!;
        Assert.Equal(("nightly", "@every 24h", """{"model":"m"}""", next, true), (due.Id, due.Spec, due.JobTemplateJson, due.NextRunAt, due.Enabled));
        Assert.True(await Store.TryAdvanceScheduleAsync("nightly", next, next + TimeSpan.FromHours(24), "job-1"));
        Assert.False(await Store.TryAdvanceScheduleAsync("nightly", next, next + TimeSpan.FromHours(24), "job-2"));
        var saved = (await Store.GetScheduleAsync("nightly"))!;
        Assert.Equal((next + TimeSpan.FromHours(24), Clock.GetUtcNow(), "job-1"), (saved.NextRunAt, saved.LastRunAt!.Value, saved.LastJobId));

        Assert.Equal(["nightly", "off"], (await Store.ListSchedulesAsync()).Select(s => s.Id));
        Assert.True(await Store.DeleteScheduleAsync("off"));
        Assert.False(await Store.DeleteScheduleAsync("off"));
        Assert.Null(await Store.GetScheduleAsync("off"));
    }

    // ---- migrations ----

    [StoreFact]
    public async Task Opening_again_or_concurrently_applies_migrations_once_and_keeps_the_data()
    {
        await Store.CreateJobAsync(Job("kept"), Shards(1));
        var reopened = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(OpenAsync)));
        foreach (var s in reopened)
        {
            Assert.Equal(3, await SchemaVersionAsync(s)); // 0001_initial, 0002_empty_texts, 0003_drop_pre_orleans
            Assert.NotNull(await s.GetJobAsync("kept"));
            await s.DisposeAsync();
        }
        Assert.Equal(3, await SchemaVersionAsync(Store));
    }

    [StoreFact]
    public async Task The_schema_holds_only_what_the_store_uses()
    {
        // No workers (registration, heartbeats) or leases (leader election) tables: Orleans membership replaced them.
        Assert.Equal(["events", "jobs", "schedules", "schema_version", "shards"], await TablesAsync());
        var indexes = await IndexesAsync();
        Assert.Contains("shards_pending", indexes); // what leasing reads
        Assert.DoesNotContain("shards_leased_expiry", indexes);
        Assert.DoesNotContain("shards_leased_owner", indexes);
    }

    [StoreFact]
    public async Task A_database_of_the_previous_schema_loses_the_pre_Orleans_tables_and_keeps_its_jobs()
    {
        await Store.CreateJobAsync(Job("kept"), Shards(2));
        // Version 2 as databases in the field have it: the tables and indexes of migration 0001, with rows.
        await ExecuteAsync("CREATE TABLE workers (id TEXT PRIMARY KEY, silo_name TEXT NOT NULL)");
        await ExecuteAsync("INSERT INTO workers (id, silo_name) VALUES ('w-1', 'old-silo')");
        await ExecuteAsync("CREATE TABLE leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL)");
        await ExecuteAsync("CREATE INDEX shards_leased_owner ON shards (owner) WHERE state = 'leased'");
        await ExecuteAsync("DELETE FROM schema_version WHERE version = 3");

        await using var upgraded = await OpenAsync();

        Assert.Equal(3, await SchemaVersionAsync(upgraded));
        Assert.Equal(["events", "jobs", "schedules", "schema_version", "shards"], await TablesAsync());
        Assert.DoesNotContain("shards_leased_owner", await IndexesAsync());
        Assert.Equal((JobState.Running, 2), (await upgraded.GetJobAsync("kept")) is { } kept ? (kept.State, kept.Counters.Pending) : default);
        Assert.Equal(0, (await upgraded.LeaseShardAsync("w", Cpu, [], Lease))!.Index);
    }

    protected abstract Task<int> SchemaVersionAsync(IClusterStore store);

    /// <summary>Runs one statement on the store's database over a connection of the test's own.</summary>
    protected abstract Task ExecuteAsync(string sql);

    /// <summary>The store's tables, by name.</summary>
    protected abstract Task<IReadOnlyList<string>> TablesAsync();

    /// <summary>The store's indexes, by name.</summary>
    protected abstract Task<IReadOnlyList<string>> IndexesAsync();
}
