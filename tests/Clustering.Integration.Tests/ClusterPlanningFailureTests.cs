using Clustering.Client;
using Xunit.Abstractions;

namespace Clustering.Integration.Tests;

/// <summary>
/// A job whose input does not exist cannot be planned: on a real silo it ends failed (not cancelled) with the reason in
/// GET /v1/jobs/{id}, in `embedctl status` and in `embedctl watch`, which exits 1 at once (nothing to publish).
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
}
