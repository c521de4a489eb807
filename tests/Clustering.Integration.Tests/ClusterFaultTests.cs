using Clustering.Client;
using Xunit.Abstractions;

namespace Clustering.Integration.Tests;

/// <summary>
/// Failures while a job runs, each ending with every document exactly once: kill -9 of silos at two moments, a
/// PostgreSQL restart, and a shard that can never succeed (partial failure within the job's policy).
/// </summary>
public sealed class ClusterFaultTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    // Enough shards that the survivors work for seconds: the kill moments below must be caught by a 100 ms poll.
    private const int Documents = 6_000;
    private const int ShardDocs = 200;
    private const int DoomedDocs = 50;

    private static async Task<(List<string> Inputs, string Output)> CorpusAsync(TestCluster cluster, int files = 2)
    {
        var inputs = new List<string>();
        for (var f = 0; f < files; f++)
        {
            var path = Path.Combine(cluster.Work, $"corpus-{f}.jsonl");
            TestCorpus.Write(path, f * (Documents / files), Documents / files);
            inputs.Add(path);
        }
        await Task.CompletedTask;
        return (inputs, Path.Combine(cluster.Work, "out"));
    }

    private static JobSpec Spec(IReadOnlyList<string> inputs, string output, int allowedFailedShards = 0) => new()
    {
        Inputs = inputs,
        Model = RepoPaths.TinyModel,
        Output = output,
        ShardDocs = ShardDocs,
        MaxAttempts = 3,
        AllowedFailedShards = allowedFailedShards,
        Embed = new EmbeddingOptions { MaxLength = 64, BatchTokens = 4096 },
    };

    [Fact]
    public async Task Kill_9_of_silos_just_after_a_lease_and_in_the_middle_of_a_shard_loses_nothing()
    {
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        var (inputs, outputFolder) = await CorpusAsync(cluster);
        var silos = new List<(ChildProcess Silo, Uri Url)>();
        for (var s = 0; s < 3; s++) silos.Add(await cluster.StartSiloAsync($"k{s}", leaseSeconds: 4));
        using var client = cluster.Client(silos[2].Url);
        var k0 = await TestCluster.WorkerIdAsync(client, "k0");
        var k1 = await TestCluster.WorkerIdAsync(client, "k1");
        var jobId = (await client.SubmitAsync(Spec(inputs, outputFolder))).Id;

        // Moment 1: k0 dies soon after its first lease. Which shard it held is read after the kill: what k0 holds then
        // it can never commit (a worker may hold two, one embedding and one committing).
        await cluster.WaitUntilAsync(async () => (await client.ListShardsAsync(jobId)).Any(s => s.State == "leased" && s.Owner == k0),
            TimeSpan.FromSeconds(60), "k0 to lease a shard");
        silos[0].Silo.KillHard();
        await Task.Delay(500); // a commit already on its way when the process died lands or fails by now
        var first = (await client.ListShardsAsync(jobId)).Where(s => s.State == "leased" && s.Owner == k0).MaxBy(s => s.Index)
            ?? throw new Xunit.Sdk.XunitException("k0 committed its shard just before the kill and held none");

        // Moment 2: the job is under way (a few shards done) and k1 is in the middle of another shard. Shards take a few
        // hundred milliseconds here, so the moment is any poll that sees k1 holding one, not a fixed fraction of the job.
        ShardView? second = null;
        await cluster.WaitUntilAsync(async () =>
        {
            var shards = await client.ListShardsAsync(jobId);
            second = shards.Where(s => s.State == "leased" && s.Owner == k1 && s.Index != first.Index).MaxBy(s => s.Index);
            return shards.Count(s => s.State == "done") >= 2 && second is not null;
        }, TimeSpan.FromSeconds(120), "k1 holding a shard while the job is under way");
        silos[1].Silo.KillHard();
        output.WriteLine($"killed k0 holding shard {first.Index} (attempt {first.Attempt}) and k1 holding shard {second!.Index} (attempt {second.Attempt})");

        var job = await ClusterAssertions.WaitForEndAsync(cluster, silos[2].Url, jobId, TimeSpan.FromMinutes(4));
        Assert.Equal(JobStates.Succeeded, job.State);
        var shardsAfter = (await client.ListShardsAsync(jobId)).ToDictionary(s => s.Index);
        // k0 died holding it: the shard was taken back once k0's silo was declared dead and done under a later attempt.
        Assert.True(shardsAfter[first.Index].Attempt > first.Attempt, $"shard {first.Index}: attempt {shardsAfter[first.Index].Attempt}");
        // k1 died mid-shard; had its commit landed just before the kill, the shard is done under its attempt, never twice.
        var afterSecond = shardsAfter[second.Index];
        Assert.True(afterSecond.Attempt > second.Attempt || afterSecond.Owner == k1, $"shard {second.Index}: attempt {afterSecond.Attempt} by {afterSecond.Owner}");
        output.WriteLine($"shard {first.Index} done at attempt {shardsAfter[first.Index].Attempt}, shard {second.Index} at attempt {afterSecond.Attempt} by {afterSecond.Owner}");
        await ClusterAssertions.EveryDocumentExactlyOnceAsync(outputFolder, Documents);
    }

    [Fact]
    public async Task A_postgresql_restart_in_the_middle_of_a_job_loses_nothing()
    {
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        var (inputs, outputFolder) = await CorpusAsync(cluster);
        var a = await cluster.StartSiloAsync("r0");
        var b = await cluster.StartSiloAsync("r1");
        using var client = cluster.Client(a.Url);
        var jobId = (await client.SubmitAsync(Spec(inputs, outputFolder))).Id;
        await cluster.WaitUntilAsync(async () => (await client.GetJobAsync(jobId)).Counters.Done >= 3, TimeSpan.FromSeconds(120), "3 shards done");

        postgres.Server.StopServer();
        await Task.Delay(TimeSpan.FromSeconds(3));
        postgres.Server.StartServer();

        var job = await ClusterAssertions.WaitForEndAsync(cluster, b.Url, jobId, TimeSpan.FromMinutes(4));
        Assert.Equal(JobStates.Succeeded, job.State);
        Assert.False(a.Silo.HasExited, cluster.Logs());
        Assert.False(b.Silo.HasExited, cluster.Logs());
        await ClusterAssertions.EveryDocumentExactlyOnceAsync(outputFolder, Documents);
    }

    [Fact]
    public async Task A_shard_that_always_fails_ends_failed_after_max_attempts_and_the_job_reports_the_partial_failure()
    {
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        var (inputs, outputFolder) = await CorpusAsync(cluster);
        // A last, small input that becomes unreadable once planned (its path turns into a folder).
        var doomed = Path.Combine(cluster.Work, "zz-doomed.jsonl");
        TestCorpus.Write(doomed, 900_000, DoomedDocs);
        var a = await cluster.StartSiloAsync("f0");
        var b = await cluster.StartSiloAsync("f1");
        using var client = cluster.Client(a.Url);
        var jobId = (await client.SubmitAsync(Spec([.. inputs, doomed], outputFolder, allowedFailedShards: 1))).Id;
        await cluster.WaitUntilAsync(async () => (await client.GetJobAsync(jobId)).State == JobStates.Running, TimeSpan.FromSeconds(60), "the job to be planned");
        File.Delete(doomed);
        Directory.CreateDirectory(doomed);

        var job = await ClusterAssertions.WaitForEndAsync(cluster, b.Url, jobId, TimeSpan.FromMinutes(4));
        Assert.Equal(JobStates.Succeeded, job.State);
        Assert.Equal(1, job.Counters.Failed);
        var failed = Assert.Single(job.ShardErrors);
        Assert.Equal("failed", failed.State);
        Assert.Equal(3, failed.Failures);
        Assert.Equal(job.Counters.Shards - 1, failed.Shard); // the last input's shard
        Assert.Contains("zz-doomed.jsonl", failed.Error);

        var status = await TestCluster.CliAsync(["status", jobId, "--cluster", a.Url.ToString(), "--token", TestCluster.Token]);
        Assert.Equal(0, status.Exit);
        Assert.Contains($"shard {failed.Shard} failed after 3 attempt(s): {failed.Error}", status.Stdout);
        Assert.Contains("partial:   1 shard(s) failed within the allowed 1", status.Stdout);
        output.WriteLine(status.Stdout);

        var watch = await TestCluster.CliAsync(["watch", jobId, "--cluster", a.Url.ToString(), "--token", TestCluster.Token]);
        Assert.Equal(0, watch.Exit); // succeeded within its failure policy

        // Each silo's /metrics counts the attempts its workers made: two went back for a retry, the third failed the
        // shard for good (counted as the worker hears the job grain's answer, so a moment after the job ended).
        (long Retries, long Failed) counted = default;
        await cluster.WaitUntilAsync(async () =>
        {
            var texts = await Task.WhenAll(MetricsAsync(a.Url), MetricsAsync(b.Url));
            counted = (texts.Sum(t => SiloCounter(t, "clustering_shard_retries_total")), texts.Sum(t => SiloCounter(t, "clustering_shards_failed_total")));
            return counted == (2, 1);
        }, TimeSpan.FromSeconds(30), "the silos' shard counters");
        Assert.Equal((2L, 1L), counted);

        var (manifest, _) = TestCluster.ReadOutput(outputFolder);
        var failedInManifest = Assert.Single(manifest.GetProperty("failed_shards").EnumerateArray());
        Assert.Equal(failed.Shard, failedInManifest.GetProperty("shard").GetInt32());
        // The doomed file's 50 documents are always missing; the planner may pack the tail of the previous file into the
        // doomed shard, so what is missing is at most that one shard.
        Assert.InRange(job.Counters.Rows, Documents + DoomedDocs - ShardDocs, Documents);
        await ClusterAssertions.EveryDocumentExactlyOnceAsync(outputFolder, (int)job.Counters.Rows, checkIdRange: false);
    }

    private static async Task<string> MetricsAsync(Uri silo)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestCluster.Token);
        return await http.GetStringAsync(new Uri(silo, "/metrics"));
    }

    /// <summary>One of a silo's own counters (labelled with its name only) from its /metrics text.</summary>
    private static long SiloCounter(string metrics, string name) =>
        long.Parse(System.Text.RegularExpressions.Regex.Match(metrics, $"^{name}\\{{silo=\"[^\"]*\"\\}} (\\d+)$", System.Text.RegularExpressions.RegexOptions.Multiline)
            is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"no {name} in /metrics:\n{metrics}"), System.Globalization.CultureInfo.InvariantCulture);
}
