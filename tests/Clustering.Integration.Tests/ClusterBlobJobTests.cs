using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Clustering.Storage;
using Clustering.Storage.Azure;
using Clustering.Storage.Tests.Support;
using Xunit.Abstractions;

namespace Clustering.Integration.Tests;

/// <summary>
/// The silos accept az:// URIs (issue 7): a real Azurite, a real PostgreSQL and two embed-silo processes whose only
/// credentials are AZURE_STORAGE_CONNECTION_STRING in their environment run a job that embedctl submits with blob
/// input and output and does not itself hold the key. DuckDB reads the output downloaded from Azurite.
/// </summary>
public sealed class ClusterBlobJobTests(PostgresFixture postgres, AzuriteFixture azurite, ITestOutputHelper output)
    : IClassFixture<PostgresFixture>, IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Two_silos_run_a_job_whose_input_and_output_are_az_URIs_and_never_print_the_key()
    {
        const int documents = 4_000, objects = 4, shardDocs = 500;
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        var container = await azurite.NewContainerAsync(stem: "silo");
        // Several objects under the prefix, the last one gzip-compressed; ids d000000..d003999 in order.
        for (var o = 0; o < objects; o++)
        {
            var lines = new StringBuilder();
            for (var i = o * (documents / objects); i < (o + 1) * (documents / objects); i++)
                lines.Append("{\"id\":\"").Append(TestCorpus.Id(i)).Append("\",\"text\":\"").Append(TestCorpus.Text(i)).Append("\"}\n");
            var bytes = Encoding.UTF8.GetBytes(lines.ToString());
            var gzip = o == objects - 1;
            await container.WriteAsync($"corpus/part-{o}.jsonl{(gzip ? ".gz" : "")}", new MemoryStream(gzip ? Gzip(bytes) : bytes));
        }

        var credentials = new Dictionary<string, string> { [AzureConnectionString.ConnectionStringVariable] = azurite.Azurite.ConnectionString };
        var urls = new List<Uri>();
        for (var s = 0; s < 2; s++) urls.Add((await cluster.StartSiloAsync($"b{s}", environment: credentials)).Url);
        // embedctl only passes the URIs on: it is given no storage credentials.
        var env = new Dictionary<string, string> { ["CLUSTERING_URL"] = urls[0].ToString(), ["CLUSTERING_TOKEN"] = TestCluster.Token };

        var clock = Stopwatch.StartNew();
        var submit = await TestCluster.CliAsync(["submit", "--input", $"az://{container.Container}/corpus/", "--model", RepoPaths.TinyModel,
            "--output", $"az://{container.Container}/out/job1/", "--shard-docs", shardDocs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--max-length", "64", "--batch-tokens", "4096"], env);
        Assert.True(submit.Exit == 0, submit.Stderr);
        var jobId = submit.Stdout.TrimEnd('\n').Split('\n')[^1];
        var watch = await TestCluster.CliAsync(["watch", jobId, "--cluster", urls[1].ToString()], env, timeout: TimeSpan.FromMinutes(2));
        output.WriteLine($"{documents} documents from Azurite, 2 silos x 1 CPU worker: {clock.Elapsed.TotalSeconds:F1} s submit→succeeded");
        Assert.True(watch.Exit == 0, $"watch exited {watch.Exit}\n{watch.Stdout}\n{watch.Stderr}\n{cluster.Logs()}");
        Assert.Contains($"job {jobId}: succeeded", watch.Stdout);

        // Under the output prefix: the manifest, its parts and the marker, nothing else (no temporaries, no late parts).
        var jobOutput = new PrefixedBlobStore(container, "out/job1/");
        var local = Path.Combine(cluster.Work, "download");
        var keys = new List<string>();
        await foreach (var item in jobOutput.ListAsync(""))
        {
            keys.Add(item.Key);
            var path = Path.Combine(local, item.Key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using var source = await jobOutput.OpenReadAsync(item.Key);
            await using var file = File.Create(path);
            await source.CopyToAsync(file);
        }
        var parts = await ClusterAssertions.EveryDocumentExactlyOnceAsync(local, documents);
        Assert.Equal(documents / shardDocs, parts.Length);
        Assert.Equal(parts.Append("_SUCCESS").Append("_manifest.json").Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));

        var key = AzureBlobAccount.DevelopmentAccountKey;
        foreach (var (what, text) in cluster.Silos.Select((s, i) => ($"silo {i}", s.Output))
                     .Append(("submit", submit.Stdout + submit.Stderr)).Append(("watch", watch.Stdout + watch.Stderr)))
            Assert.False(text.Contains(key[..16], StringComparison.Ordinal), $"{what} printed the account key");
    }

    /// <summary>
    /// A schedule whose input and output are az:// URIs: runs land in run folders under the output prefix, _latest.json
    /// is a blob, a changed object (a new ETag) makes the next occurrence run, and --keep 1 deletes the older run's blobs.
    /// </summary>
    [Fact]
    public async Task A_schedule_on_az_URIs_reruns_when_an_object_changes_and_keeps_one_run()
    {
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        var container = await azurite.NewContainerAsync(stem: "sched");
        async Task WriteCorpusAsync(int documents)
        {
            var lines = new StringBuilder();
            for (var i = 0; i < documents; i++)
                lines.Append("{\"id\":\"").Append(TestCorpus.Id(i)).Append("\",\"text\":\"").Append(TestCorpus.Text(i)).Append("\"}\n");
            await container.WriteAsync("corpus/part-0.jsonl", new MemoryStream(Encoding.UTF8.GetBytes(lines.ToString())));
        }
        await WriteCorpusAsync(100);
        var credentials = new Dictionary<string, string> { [AzureConnectionString.ConnectionStringVariable] = azurite.Azurite.ConnectionString };
        var url = (await cluster.StartSiloAsync("b0", environment: credentials, extra: ["--schedule-minimum-seconds", "1"])).Url;
        var env = new Dictionary<string, string> { ["CLUSTERING_URL"] = url.ToString(), ["CLUSTERING_TOKEN"] = TestCluster.Token };
        var create = await TestCluster.CliAsync(["schedule", "create", "blobs", "--rule", "@every 2s", "--keep", "1",
            "--input", $"az://{container.Container}/corpus/", "--model", RepoPaths.TinyModel, "--output", $"az://{container.Container}/out/sched/",
            "--max-length", "64", "--batch-tokens", "4096"], env);
        Assert.True(create.Exit == 0, create.Stderr);

        var history = new PrefixedBlobStore(container, "out/sched/");
        async Task<(string Job, string Run)?> LatestAsync()
        {
            if (await history.GetPropertiesAsync("_latest.json") is null) return null;
            await using var stream = await history.OpenReadAsync("_latest.json");
            using var latest = await System.Text.Json.JsonDocument.ParseAsync(stream);
            return (latest.RootElement.GetProperty("job").GetString()!, latest.RootElement.GetProperty("run").GetString()!);
        }
        async Task<string[]> KeysAsync()
        {
            var keys = new List<string>();
            await foreach (var item in history.ListAsync("")) keys.Add(item.Key);
            return [.. keys];
        }

        await cluster.WaitUntilAsync(async () => await LatestAsync() is not null, TimeSpan.FromSeconds(90), "the first scheduled run");
        var first = (await LatestAsync())!.Value;
        Assert.Contains($"{first.Run}/_SUCCESS", await KeysAsync());
        Assert.Contains($"{first.Run}/_manifest.json", await KeysAsync());

        await WriteCorpusAsync(120); // the same object, rewritten: a new ETag
        await cluster.WaitUntilAsync(async () => (await LatestAsync())!.Value.Job != first.Job, TimeSpan.FromSeconds(90), "a run after the object changed");
        var second = (await LatestAsync())!.Value;
        await cluster.WaitUntilAsync(async () => !(await KeysAsync()).Any(k => k.StartsWith(first.Run + "/", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the first run's blobs deleted (--keep 1)");
        var keys = await KeysAsync();
        Assert.Contains($"{second.Run}/_SUCCESS", keys);
        Assert.All(keys, k => Assert.True(k == "_latest.json" || k.StartsWith(second.Run + "/", StringComparison.Ordinal), k));
        using (var client = cluster.Client(url))
            Assert.Equal(120, (await client.GetJobAsync(second.Job)).Counters.Rows);
        Assert.Equal(0, (await TestCluster.CliAsync(["schedule", "delete", "blobs"], env)).Exit);
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest)) gzip.Write(bytes);
        return buffer.ToArray();
    }
}
