using System.Globalization;
using System.Text.Json;
using Clustering.Client;

namespace Clustering.Integration.Tests;

/// <summary>What every cluster test checks at the end: the job's output holds every document exactly once.</summary>
public static class ClusterAssertions
{
    /// <summary>
    /// The manifest names one part per committed shard, the folder holds exactly those parts (late writers' objects
    /// were removed), and DuckDB over them finds count = count distinct id = <paramref name="documents"/>, ids
    /// d{first}..d{first+documents-1}.
    /// </summary>
    public static async Task<string[]> EveryDocumentExactlyOnceAsync(string output, int documents, int first = 0, bool checkIdRange = true)
    {
        var (manifest, onDisk) = TestCluster.ReadOutput(output);
        var named = manifest.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("key").GetString()!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(named, onDisk);
        Assert.Equal(named.Length, manifest.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("shard").GetInt32()).Distinct().Count());
        Assert.Equal(documents, manifest.GetProperty("documents").GetInt64());

        var files = DuckDb.Files(named.Select(n => Path.Combine(output, n)));
        var rows = await DuckDb.QueryAsync($"SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, max(id) AS hi FROM read_parquet({files})");
        Assert.Equal(documents, rows[0].GetProperty("n").GetInt64());
        Assert.Equal(documents, rows[0].GetProperty("d").GetInt64());
        if (checkIdRange)
        {
            Assert.Equal(TestCorpus.Id(first), rows[0].GetProperty("lo").GetString());
            Assert.Equal(TestCorpus.Id(first + documents - 1), rows[0].GetProperty("hi").GetString());
        }
        return named;
    }

    /// <summary>The vectors the cluster wrote for a sample of ids equal `embedctl encode`'s for the same texts.</summary>
    public static async Task<double> VectorsEqualEncodeAsync(string output, IReadOnlyList<string> parts, IReadOnlyList<int> sample, string[] embedOptions)
    {
        var files = DuckDb.Files(parts.Select(n => Path.Combine(output, n)));
        var ids = string.Join(", ", sample.Select(i => $"'{TestCorpus.Id(i)}'"));
        var rows = await DuckDb.QueryAsync($"SELECT id, embedding FROM read_parquet({files}) WHERE id IN ({ids}) ORDER BY id");
        Assert.Equal(sample.Count, rows.Length);

        var stdin = string.Concat(sample.Order().Select(i => JsonSerializer.Serialize(new { id = TestCorpus.Id(i), text = TestCorpus.Text(i) }) + "\n"));
        var (exit, stdout, stderr) = await TestCluster.CliAsync(["encode", "--model", RepoPaths.TinyModel, "--threads", "1", .. embedOptions], stdin: stdin);
        Assert.True(exit == 0, stderr);
        var encoded = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(sample.Count, encoded.Length);

        var worst = 0.0;
        for (var r = 0; r < rows.Length; r++)
        {
            Assert.Equal(rows[r].GetProperty("id").GetString(), encoded[r].GetProperty("id").GetString());
            var cluster = rows[r].GetProperty("embedding").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var reference = encoded[r].GetProperty("embedding").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(reference.Length, cluster.Length);
            for (var k = 0; k < cluster.Length; k++)
            {
                var diff = Math.Abs(cluster[k] - reference[k]);
                worst = Math.Max(worst, diff);
                // Float32 vectors through JSON and Parquet; batches differ (the engine is batch-invariant up to rounding).
                Assert.True(diff <= 1e-5 + 1e-4 * Math.Abs(reference[k]),
                    string.Create(CultureInfo.InvariantCulture, $"{rows[r].GetProperty("id")} [{k}]: cluster {cluster[k]} vs encode {reference[k]}"));
            }
        }
        return worst;
    }

    /// <summary>Waits for the job to end and, when it ran to an end, for its publication (the "published" event: manifest, removals, _SUCCESS).</summary>
    public static async Task<JobView> WaitForEndAsync(TestCluster cluster, Uri silo, string jobId, TimeSpan timeout)
    {
        using var client = cluster.Client(silo);
        JobView? job = null;
        await cluster.WaitUntilAsync(async () => JobStates.IsFinal((job = await client.GetJobAsync(jobId)).State), timeout, $"job {jobId} to end");
        if (job!.State is JobStates.Succeeded or JobStates.Failed)
            await cluster.WaitUntilAsync(async () =>
            {
                await foreach (var e in client.StreamEventsAsync(jobId))
                    if (e.Kind == "published") return true;
                return false;
            }, TimeSpan.FromSeconds(60), $"job {jobId} to be published");
        return job;
    }
}
