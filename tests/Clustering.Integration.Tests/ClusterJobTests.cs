using System.Diagnostics;
using Clustering.Client;
using Xunit.Abstractions;

namespace Clustering.Integration.Tests;

/// <summary>
/// A real PostgreSQL and three embed-silo processes on CPU run a job submitted and watched with embedctl; DuckDB
/// reads the output and `embedctl encode` is the oracle for the vectors.
/// </summary>
public sealed class ClusterJobTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    /// <summary>Embedding options both the job and the encode oracle use.</summary>
    private static readonly string[] Embed = ["--max-length", "64", "--batch-tokens", "4096"];

    /// <summary>The 50,000 documents (about 30 s here with the tiny model: 2 cores, 3 silos of 1 thread).</summary>
    [Fact]
    public Task Three_silos_complete_a_50000_document_job_submitted_and_watched_with_embedctl() => RunJobAsync(documents: 50_000, files: 5, shardDocs: 2_500);

    /// <summary>Ten times more, for a throughput figure; only on request.</summary>
    [SlowFact]
    public Task Three_silos_complete_a_500000_document_job() => RunJobAsync(documents: 500_000, files: 10, shardDocs: 10_000);

    private async Task RunJobAsync(int documents, int files, int shardDocs)
    {
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        var inputs = new List<string>();
        for (var f = 0; f < files; f++)
        {
            var path = Path.Combine(cluster.Work, $"corpus-{f}.jsonl");
            TestCorpus.Write(path, f * (documents / files), documents / files);
            inputs.Add(path);
        }
        var urls = new List<Uri>();
        for (var s = 0; s < 3; s++) urls.Add((await cluster.StartSiloAsync($"s{s}")).Url);
        var outputFolder = Path.Combine(cluster.Work, "out");
        var env = new Dictionary<string, string> { ["CLUSTERING_URL"] = urls[0].ToString(), ["CLUSTERING_TOKEN"] = TestCluster.Token };

        var clock = Stopwatch.StartNew();
        var submit = await TestCluster.CliAsync(["submit", "--input", .. inputs, "--model", RepoPaths.TinyModel, "--output", outputFolder,
            "--shard-docs", shardDocs.ToString(System.Globalization.CultureInfo.InvariantCulture), .. Embed], env);
        Assert.True(submit.Exit == 0, submit.Stderr);
        var jobId = submit.Stdout.TrimEnd('\n').Split('\n')[^1];
        Assert.StartsWith("job-", jobId);

        // Watch through another silo: any silo answers for the cluster.
        var watch = await TestCluster.CliAsync(["watch", jobId, "--cluster", urls[1].ToString()], env, timeout: TimeSpan.FromMinutes(documents > 10_000 ? 30 : 5));
        var seconds = clock.Elapsed.TotalSeconds;
        Assert.True(watch.Exit == 0, $"watch exited {watch.Exit}\n{watch.Stdout}\n{watch.Stderr}\n{cluster.Logs()}");
        Assert.Contains("planned:", watch.Stdout);
        Assert.Contains($"job {jobId}: succeeded", watch.Stdout);

        var status = await TestCluster.CliAsync(["status", jobId, "--cluster", urls[2].ToString()], env);
        Assert.Equal(0, status.Exit);
        var shards = (documents + shardDocs - 1) / shardDocs;
        Assert.Contains($"shards:    {shards} total, {shards} done, 0 running, 0 pending, 0 failed", status.Stdout);
        Assert.Contains($"documents: {documents} embedded, 0 bad lines", status.Stdout);

        var list = await TestCluster.CliAsync(["list", "--state", "succeeded"], env);
        Assert.Contains(jobId, list.Stdout);
        var workers = await TestCluster.CliAsync(["workers"], env);
        using (var client = cluster.Client(urls[0]))
            foreach (var s in new[] { "s0", "s1", "s2" }) Assert.Contains(await TestCluster.WorkerIdAsync(client, s), workers.Stdout);

        using (var client = cluster.Client(urls[0]))
        {
            var perShard = await client.ListShardsAsync(jobId);
            Assert.Equal(shards, perShard.Count);
            Assert.All(perShard, s => Assert.Equal("done", s.State));
            output.WriteLine($"{documents} documents, {shards} shards, 3 silos x 1 CPU worker: {seconds:F1} s submit→succeeded " +
                $"({documents / seconds:F0} docs/s); shards per silo: " +
                string.Join(", ", perShard.GroupBy(s => s.Owner ?? "?").Select(g => $"{g.Key}={g.Count()}")));
        }

        var parts = await ClusterAssertions.EveryDocumentExactlyOnceAsync(outputFolder, documents);
        var worst = await ClusterAssertions.VectorsEqualEncodeAsync(outputFolder, parts, [0, 1, documents / 2, documents - 1], Embed);
        output.WriteLine($"largest |cluster - encode| over the sample: {worst:E2}");

        // Graceful stop: every silo exits 0.
        foreach (var silo in cluster.Silos) silo.Terminate();
        foreach (var silo in cluster.Silos) Assert.Equal(0, await silo.WaitForExitAsync(TimeSpan.FromSeconds(90)));
    }
}
