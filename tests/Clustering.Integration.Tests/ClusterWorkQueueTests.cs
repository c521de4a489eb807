using System.Diagnostics;
using Clustering.Client;
using Clustering.Streaming.Tests;
using Xunit.Abstractions;

namespace Clustering.Integration.Tests;

/// <summary>
/// Three embed-silo processes whose shard work travels on an Azure Storage queue (Azurite, <c>--work-queue</c>), with
/// the faults of the proof: the queue down for 20 s mid-job, kill -9 of the silo that hosts the job's
/// coordinator grain, and all of them in one 50,000-document job (opt-in). Each ends with DuckDB finding every
/// document exactly once.
/// </summary>
public sealed class ClusterWorkQueueTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const string WorkQueue = "azqueue://devstoreaccount1/shard-work";

    [Fact]
    public async Task With_the_work_queue_down_for_20_s_a_running_job_goes_on_and_a_new_one_waits_then_both_write_every_document_once()
    {
        await using var azurite = await AzuriteQueue.StartAsync();
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        var silos = await StartSilosAsync(cluster, azurite, "q");
        using var client = cluster.Client(silos[0].Url);
        var first = await SubmitAsync(client, cluster, "first", 0, 6_000);
        await cluster.WaitUntilAsync(async () => (await client.GetJobAsync(first.Id)).Counters.Done >= 3, TimeSpan.FromSeconds(120), "3 shards of the first job done");

        await azurite.StopAsync();
        var down = Stopwatch.StartNew();
        var doneAtStop = (await client.GetJobAsync(first.Id)).Counters.Done;
        // Planned while the queue is down: its items cannot be published, so none of its shards may be offered.
        var second = await SubmitAsync(client, cluster, "second", 100_000, 1_000);
        await cluster.WaitUntilAsync(async () => (await client.GetJobAsync(second.Id)).State == JobStates.Running, TimeSpan.FromSeconds(15), "the second job planned");
        if (down.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(TimeSpan.FromSeconds(20) - down.Elapsed);
        var secondDuringOutage = await client.ListShardsAsync(second.Id);
        var firstDuringOutage = await client.GetJobAsync(first.Id);
        await azurite.StartAgainAsync();
        output.WriteLine($"queue down {down.Elapsed.TotalSeconds:F1} s: first job {doneAtStop} -> {firstDuringOutage.Counters.Done} shards done ({firstDuringOutage.State}); " +
            $"second job {secondDuringOutage.Count} shards, none leased or done");

        Assert.All(secondDuringOutage, s => Assert.Equal(("pending", 0), (s.State, s.Attempt)));
        Assert.True(firstDuringOutage.Counters.Done > doneAtStop, $"the first job, whose items had arrived, went on: {doneAtStop} -> {firstDuringOutage.Counters.Done}");
        foreach (var (job, documents, firstId) in new[] { (first, 6_000, 0), (second, 1_000, 100_000) })
        {
            var ended = await ClusterAssertions.WaitForEndAsync(cluster, silos[1].Url, job.Id, TimeSpan.FromMinutes(4));
            Assert.Equal(JobStates.Succeeded, ended.State);
            await ClusterAssertions.EveryDocumentExactlyOnceAsync(job.Output, documents, firstId);
        }
        Assert.All(cluster.Silos, s => Assert.False(s.HasExited, cluster.Logs()));
    }

    [Fact]
    public async Task Kill_9_of_the_silo_hosting_the_coordinator_mid_job_moves_it_and_every_document_is_written_once()
    {
        await using var azurite = await AzuriteQueue.StartAsync();
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        var silos = await StartSilosAsync(cluster, azurite, "c");
        var job = await SubmitAsync(cluster.Client(silos[0].Url), cluster, "job", 0, 6_000);
        var coordinator = await CoordinatorAsync(cluster, job.Id, exceptIndex: -1);
        var survivor = silos[(coordinator + 1) % 3].Url;
        using var client = cluster.Client(survivor);
        await cluster.WaitUntilAsync(async () => (await client.GetJobAsync(job.Id)).Counters.Done >= 3, TimeSpan.FromSeconds(120), "3 shards done");

        var doneAtKill = (await client.GetJobAsync(job.Id)).Counters.Done;
        silos[coordinator].Silo.KillHard();
        var moved = await CoordinatorAsync(cluster, job.Id, exceptIndex: coordinator);
        output.WriteLine($"killed c{coordinator}, the coordinator's silo, with {doneAtKill} shards done; the coordinator came back on c{moved}");

        var ended = await ClusterAssertions.WaitForEndAsync(cluster, survivor, job.Id, TimeSpan.FromMinutes(4));
        Assert.Equal(JobStates.Succeeded, ended.State);
        Assert.NotEqual(coordinator, moved);
        await ClusterAssertions.EveryDocumentExactlyOnceAsync(job.Output, 6_000);
    }

    [Fact]
    public async Task A_silo_whose_event_hub_work_queue_is_unreachable_starts_says_why_and_still_runs_jobs()
    {
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        // Nothing listens on port 9 of loopback: the hub's partitions cannot be read, as with a hub that is down or a
        // namespace this host cannot reach. Orleans' Event Hubs provider would fail the silo's start.
        var env = new Dictionary<string, string>
        {
            ["CLUSTERING_EVENTHUBCONNECTION"] = "Endpoint=sb://127.0.0.1:9/;SharedAccessKeyName=work;SharedAccessKey=bm90LWEta2V5",
            ["CLUSTERING_EVENTHUBCHECKPOINTS"] = "UseDevelopmentStorage=true",
        };
        var (silo, url) = await cluster.StartSiloAsync("hub", leaseSeconds: 4, environment: env, extra: ["--work-queue", "eventhub://nowhere/shard-work"]);
        var job = await SubmitAsync(cluster.Client(url), cluster, "hub", 0, 1_000);

        var ended = await ClusterAssertions.WaitForEndAsync(cluster, url, job.Id, TimeSpan.FromMinutes(4));
        Assert.Equal(JobStates.Succeeded, ended.State);
        await ClusterAssertions.EveryDocumentExactlyOnceAsync(job.Output, 1_000);
        Assert.Contains("--work-queue eventhub://nowhere/shard-work: the Event Hub could not be reached when the silo started (", silo.Output);
        Assert.Contains("restart the silo once it is; until then this silo carries its jobs' work items in memory", silo.Output);
        Assert.DoesNotContain("bm90LWEta2V5", silo.Output); // the key never reaches the log
    }

    /// <summary>Every fault of the proof in one 50,000-document job; only on request (CLUSTERING_SLOW_TESTS=1).</summary>
    [SlowFact]
    public async Task Fifty_thousand_documents_survive_the_coordinator_killed_a_worker_killed_postgresql_restarted_and_the_queue_down()
    {
        const int documents = 50_000;
        await using var azurite = await AzuriteQueue.StartAsync();
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        var silos = await StartSilosAsync(cluster, azurite, "f");
        var clock = Stopwatch.StartNew();
        var job = await SubmitAsync(cluster.Client(silos[0].Url), cluster, "job", 0, documents, files: 5, shardDocs: 1_000);
        void Say(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  {what}");

        // 1. The work queue goes down and the silo hosting the coordinator grain is killed (-9) while it is down: the
        // new activation cannot publish the pending shards, so their offers wait until the queue is back.
        var coordinator = await CoordinatorAsync(cluster, job.Id, exceptIndex: -1);
        var watcher = cluster.Client(silos[(coordinator + 1) % 3].Url);
        await cluster.WaitUntilAsync(async () => (await watcher.GetJobAsync(job.Id)).Counters.Done >= 3, TimeSpan.FromSeconds(180), "3 shards done");
        await azurite.StopAsync();
        var down = Stopwatch.StartNew();
        silos[coordinator].Silo.KillHard();
        Say($"Azurite's queue service stopped; kill -9 of f{coordinator}, the coordinator's silo, with {(await watcher.GetJobAsync(job.Id)).Counters.Done} shards done");
        var moved = await CoordinatorAsync(cluster, job.Id, exceptIndex: coordinator);
        Say($"the coordinator came back on f{moved}");
        watcher.Dispose();
        using var client = cluster.Client(silos[moved].Url);
        if (down.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(TimeSpan.FromSeconds(20) - down.Elapsed);
        var atReturn = await client.GetJobAsync(job.Id);
        Assert.Equal(JobStates.Running, atReturn.State);
        await azurite.StartAgainAsync();
        Say($"Azurite's queue service back after {down.Elapsed.TotalSeconds:F1} s; {atReturn.Counters.Done} shards done");

        // 2. kill -9 of a worker silo mid-shard: of the two left, the one that did not take the coordinator over.
        var worker = Enumerable.Range(0, 3).Single(i => i != coordinator && i != moved);
        var workerId = await TestCluster.WorkerIdAsync(client, $"f{worker}");
        var doneBefore = (await client.GetJobAsync(job.Id)).Counters.Done;
        await cluster.WaitUntilAsync(async () =>
        {
            var shards = await client.ListShardsAsync(job.Id);
            return shards.Count(s => s.State == "done") >= doneBefore + 2 && shards.Any(s => s.State == "leased" && s.Owner == workerId);
        }, TimeSpan.FromSeconds(180), $"f{worker} holding a shard");
        silos[worker].Silo.KillHard();
        Say($"kill -9 of f{worker}, a worker silo holding a shard; {(await client.GetJobAsync(job.Id)).Counters.Done} shards done");

        // 3. PostgreSQL restarted.
        await WaitForMoreDoneAsync(cluster, client, job.Id, 2);
        var beforeRestart = await client.GetJobAsync(job.Id);
        Assert.Equal(JobStates.Running, beforeRestart.State);
        postgres.Server.StopServer();
        await Task.Delay(TimeSpan.FromSeconds(3));
        postgres.Server.StartServer();
        Say($"PostgreSQL stopped for 3 s and started again; {beforeRestart.Counters.Done} shards done before");

        var ended = await ClusterAssertions.WaitForEndAsync(cluster, silos[moved].Url, job.Id, TimeSpan.FromMinutes(20));
        Assert.Equal(JobStates.Succeeded, ended.State);
        Say($"job {ended.State}: {ended.Counters.Done} shards done, {ended.Counters.Rows} rows");
        await ClusterAssertions.EveryDocumentExactlyOnceAsync(job.Output, documents);
        Say($"DuckDB: count = count distinct = {documents}");
        foreach (var shard in (await client.ListShardsAsync(job.Id)).Where(s => s.Attempt > 1))
            output.WriteLine($"shard {shard.Index}: done at attempt {shard.Attempt} by {shard.Owner} ({shard.Failures} failure(s): {shard.LastError})");
    }

    private static async Task<List<(ChildProcess Silo, Uri Url)>> StartSilosAsync(TestCluster cluster, AzuriteQueue azurite, string prefix)
    {
        var env = new Dictionary<string, string> { ["CLUSTERING_QUEUECONNECTION"] = azurite.ConnectionString };
        var silos = new List<(ChildProcess, Uri)>();
        for (var s = 0; s < 3; s++) silos.Add(await cluster.StartSiloAsync($"{prefix}{s}", leaseSeconds: 4, environment: env, extra: ["--work-queue", WorkQueue]));
        return silos;
    }

    private static async Task<(string Id, string Output)> SubmitAsync(ClusterClient client, TestCluster cluster, string name, int first, int documents,
        int files = 2, int shardDocs = 200)
    {
        var inputs = new List<string>();
        for (var f = 0; f < files; f++)
        {
            var path = Path.Combine(cluster.Work, $"{name}-{f}.jsonl");
            TestCorpus.Write(path, first + f * (documents / files), documents / files);
            inputs.Add(path);
        }
        var outputFolder = Path.Combine(cluster.Work, name + "-out");
        var spec = new JobSpec
        {
            Inputs = inputs,
            Model = RepoPaths.TinyModel,
            Output = outputFolder,
            ShardDocs = shardDocs,
            MaxAttempts = 3,
            Embed = new EmbeddingOptions { MaxLength = 64, BatchTokens = 4096 },
        };
        return ((await client.SubmitAsync(spec)).Id, outputFolder);
    }

    /// <summary>The index of the silo whose log says it coordinates the job (the latest to say so, other than <paramref name="exceptIndex"/>).</summary>
    private static async Task<int> CoordinatorAsync(TestCluster cluster, string jobId, int exceptIndex)
    {
        var line = $"job {jobId}: coordinator active on this silo";
        var found = -1;
        await cluster.WaitUntilAsync(() =>
        {
            found = Enumerable.Range(0, cluster.Silos.Count).FirstOrDefault(i => i != exceptIndex && !cluster.Silos[i].HasExited
                && cluster.Silos[i].Output.Contains(line, StringComparison.Ordinal), -1);
            return Task.FromResult(found >= 0);
        }, TimeSpan.FromSeconds(120), $"a silo coordinating {jobId}");
        return found;
    }

    private static async Task WaitForMoreDoneAsync(TestCluster cluster, ClusterClient client, string jobId, int more)
    {
        var before = (await client.GetJobAsync(jobId)).Counters.Done;
        await cluster.WaitUntilAsync(async () => (await client.GetJobAsync(jobId)).Counters.Done >= before + more, TimeSpan.FromSeconds(300), $"{more} more shards done");
    }
}
