using Clustering.Client;
using Xunit.Abstractions;

namespace Clustering.Integration.Tests;

/// <summary>
/// A job whose input does not exist cannot be planned: on a real silo it ends failed (not cancelled) with the reason in
/// GET /v1/jobs/{id}, in `embedctl status` and in `embedctl watch`, which exits 1 at once (nothing to publish). A job
/// whose shards all commit but whose bad records are over its budget ends failed the same way, never succeeded.
/// </summary>
public sealed class ClusterPlanningFailureTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_job_with_a_missing_input_ends_failed_with_the_reason_in_the_api_status_and_watch()
    {
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        var missing = Path.Combine(cluster.Work, "no-such-corpus.jsonl");
        var url = (await cluster.StartSiloAsync("s0")).Url;
        using var client = cluster.Client(url);
        var jobId = (await client.SubmitAsync(new JobSpec
        {
            Inputs = [missing], Model = RepoPaths.TinyModel, Output = Path.Combine(cluster.Work, "out"),
        })).Id;

        JobView? job = null;
        await cluster.WaitUntilAsync(async () => JobStates.IsFinal((job = await client.GetJobAsync(jobId)).State), TimeSpan.FromSeconds(60), "the job to end");
        Assert.Equal(JobStates.Failed, job!.State);
        Assert.NotNull(job.Error);
        Assert.StartsWith("planning failed: ", job.Error);
        Assert.Contains(missing, job.Error);
        Assert.Equal(0, job.Counters.Shards);
        output.WriteLine(job.Error);

        var env = new Dictionary<string, string> { ["CLUSTERING_URL"] = url.ToString(), ["CLUSTERING_TOKEN"] = TestCluster.Token };
        var status = await TestCluster.CliAsync(["status", jobId], env);
        Assert.Equal(0, status.Exit);
        Assert.Contains($"job {jobId}: failed", status.Stdout);
        Assert.Contains($"  error:     {job.Error}", status.Stdout);

        var watch = await TestCluster.CliAsync(["watch", jobId], env, timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(1, watch.Exit);
        Assert.Contains($"failed: {job.Error}", watch.Stdout);
        Assert.DoesNotContain("was not published", watch.Stderr);
        Assert.False(Directory.Exists(Path.Combine(cluster.Work, "out", "_SUCCESS")) || File.Exists(Path.Combine(cluster.Work, "out", "_SUCCESS")));
    }

    [Fact]
    public async Task A_job_over_its_bad_record_budget_ends_failed_with_the_counts_in_the_api_status_watch_and_manifest()
    {
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        var input = Path.Combine(cluster.Work, "half-bad.jsonl");
        TestCorpus.Write(input, 0, 10);
        File.AppendAllLines(input, Enumerable.Range(0, 10).Select(i => $"{{\"id\":\"bad{i}\",\"text\":{i}}}")); // text not a string: 10 bad lines
        var outputFolder = Path.Combine(cluster.Work, "out");
        var url = (await cluster.StartSiloAsync("s0")).Url;
        using var client = cluster.Client(url);
        var jobId = (await client.SubmitAsync(new JobSpec { Inputs = [input], Model = RepoPaths.TinyModel, Output = outputFolder })).Id;

        JobView? job = null;
        await cluster.WaitUntilAsync(async () => JobStates.IsFinal((job = await client.GetJobAsync(jobId)).State), TimeSpan.FromSeconds(120), "the job to end");
        const string reason = "10 bad records of 20 (50%) is over --max-bad-records 10%";
        Assert.Equal((JobStates.Failed, reason, 10L, 10L), (job!.State, job.Error, job.Counters.Rows, job.Counters.Errors));

        var env = new Dictionary<string, string> { ["CLUSTERING_URL"] = url.ToString(), ["CLUSTERING_TOKEN"] = TestCluster.Token };
        var status = await TestCluster.CliAsync(["status", jobId], env);
        Assert.Equal(0, status.Exit);
        Assert.Contains($"job {jobId}: failed", status.Stdout);
        Assert.Contains($"  error:     {reason}", status.Stdout);

        var watch = await TestCluster.CliAsync(["watch", jobId], env, timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(1, watch.Exit);
        Assert.Contains($"failed: {reason}", watch.Stdout);
        Assert.DoesNotContain("succeeded", watch.Stdout);

        var manifest = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outputFolder, "_manifest.json"))).RootElement;
        Assert.Equal(("failed", reason), (manifest.GetProperty("status").GetString(), manifest.GetProperty("failure_reason").GetString()));
        Assert.False(File.Exists(Path.Combine(outputFolder, "_SUCCESS")));
    }
}
