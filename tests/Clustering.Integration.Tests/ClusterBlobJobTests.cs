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

    private static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest)) gzip.Write(bytes);
        return buffer.ToArray();
    }
}
