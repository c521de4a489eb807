using System.Diagnostics;
using System.Text.Json;
using Clustering.Jobs;
using Clustering.Storage;
using Clustering.Storage.Azure;
using Clustering.Storage.Tests.Support;

namespace Clustering.Pipeline.Tests;

/// <summary>
/// `embedctl run` as a real process against Azurite, configured the ways a user configures it: an
/// AZURE_STORAGE_CONNECTION_STRING with az:// URIs, or SAS URLs. It resumes after kill -9 from its local state
/// folder, says where that folder is, fails fast and by name on a wrong key or a missing container, and never prints
/// a key or a SAS signature.
/// </summary>
[Collection("Azurite")]
public sealed class EmbedctlBlobTests(AzuriteFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clustering-cliblob-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private AzuriteProcess Azurite => fixture.Azurite;

    /// <summary>Only the credentials given; XDG_CACHE_HOME in this test's folder, so the default state folder lands there.</summary>
    private Dictionary<string, string?> Environment(string? connectionString) => new()
    {
        [AzureConnectionString.ConnectionStringVariable] = connectionString,
        [AzureConnectionString.AccountVariable] = null,
        [AzureConnectionString.KeyVariable] = null,
        [AzureConnectionString.SasTokenVariable] = null,
        ["XDG_CACHE_HOME"] = Path.Combine(_dir, "cache"),
    };

    private static string[] RunArgs(string input, string output, int shardDocs = 100) =>
        ["run", "--input", input, "--model", TestCorpus.DemoModel, "--output", output, "--shard-docs", shardDocs.ToString(),
            "--max-length", "512", "--batch-tokens", "2048", "--threads", "1"];

    [Fact]
    public async Task With_a_connection_string_it_resumes_after_kill_9_from_its_state_folder_and_never_prints_the_key()
    {
        var corpus = await fixture.NewContainerAsync(stem: "cli");
        var ids = await BlobCorpus.UploadAsync(corpus, "data/", objects: 12, perObject: 100);
        var outContainer = await fixture.NewContainerAsync(stem: "cliout");
        var output = new PrefixedBlobStore(outContainer, "jobs/r/");
        var environment = Environment(Azurite.ConnectionString);
        var args = RunArgs($"az://{corpus.Container}/data/", $"az://{outContainer.Container}/jobs/r");

        string killedText;
        using (var first = Embedctl.Start(environment, args))
        {
            var stdout = first.StandardOutput.ReadToEndAsync();
            var stderr = first.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddMinutes(2);
            // Wait until some shards are committed but not all, then kill without warning.
            while ((await BlobCorpus.PartsAsync(output)).Count < 2)
            {
                if (first.HasExited) Assert.Fail($"run ended before it could be killed: {await stderr}");
                Assert.True(DateTime.UtcNow < deadline, "no parts after 2 minutes");
                await Task.Delay(20);
            }
            first.Kill();
            await first.WaitForExitAsync();
            killedText = await stdout + await stderr;
        }
        Assert.Null(await output.GetPropertiesAsync("_SUCCESS"));
        var committedBefore = await output.ListAsync("part-").ToDictionaryAsync(i => i.Key, i => i.ETag);

        var (code, stdoutText, stderrText) = Embedctl.Run(environment, null, args);

        Assert.True(code == 0, stderrText);
        Assert.Contains($"succeeded: {ids.Count} documents", stderrText);
        // Where the state is was said once by each run, and it is where resuming found it.
        var stateLines = (killedText + stderrText).Split('\n').Where(l => l.StartsWith("state: ", StringComparison.Ordinal)).Select(l => l["state: ".Length..].Trim()).ToList();
        Assert.Equal(2, stateLines.Count);
        Assert.Single(stateLines.Distinct());
        Assert.Equal(Path.Combine(_dir, "cache", "clustering", "state"), Path.GetDirectoryName(stateLines[0]));
        Assert.True(File.Exists(Path.Combine(stateLines[0], "jobs.db")));
        // Parts committed before the kill were kept as they were: the second run resumed, it did not start over.
        var manifest = (await JobPublisher.ReadManifestAsync(output))!;
        var named = manifest.Files.Select(f => f.Key).ToHashSet();
        var kept = committedBefore.Where(p => named.Contains(p.Key)).ToList();
        Assert.NotEmpty(kept);
        foreach (var (key, etag) in kept) Assert.Equal(etag, (await output.GetPropertiesAsync(key))!.ETag);
        Assert.True(named.SetEquals(await BlobCorpus.PartsAsync(output)), "only the manifest's parts remain");

        var local = await BlobCorpus.DownloadAsync(output, Path.Combine(_dir, "download"));
        var counts = DuckDb.Query($"SELECT count(*), count(DISTINCT id) FROM read_parquet('{DuckDb.Glob(local)}')")[0][0];
        Assert.Equal(ids.Count, counts[0].GetInt64());
        Assert.Equal(ids.Count, counts[1].GetInt64());

        foreach (var text in new[] { killedText, stdoutText, stderrText })
            Assert.DoesNotContain(AzureBlobAccount.DevelopmentAccountKey[..16], text);
    }

    [Fact]
    public async Task With_SAS_URLs_it_runs_and_fails_by_name_without_ever_printing_the_signature()
    {
        var corpus = await fixture.NewContainerAsync(stem: "sas");
        var ids = await BlobCorpus.UploadAsync(corpus, "data/", objects: 3, perObject: 20);
        var outContainer = await fixture.NewContainerAsync(stem: "sasout");
        var sas = AccountSas.Create(AzureBlobAccount.DevelopmentAccountName, AzureBlobAccount.DevelopmentAccountKey, DateTimeOffset.UtcNow.AddHours(1));
        var signature = AccountSas.SignatureOf(sas);
        var environment = Environment(connectionString: null);

        var (code, stdout, stderr) = Embedctl.Run(environment, null,
            RunArgs($"{Azurite.BlobEndpoint}/{corpus.Container}/data/?{sas}", $"{Azurite.BlobEndpoint}/{outContainer.Container}/jobs/sas?{sas}"));

        Assert.True(code == 0, stderr);
        Assert.Contains($"succeeded: {ids.Count} documents", stderr);
        Assert.Contains($"{outContainer.Container}/jobs/sas?", stderr);
        Assert.Contains("sig=REDACTED", stderr);
        var manifest = JsonDocument.Parse(await ReadAsync(outContainer, "jobs/sas/_manifest.json")).RootElement;
        Assert.Equal(ids.Count, manifest.GetProperty("documents").GetInt64());

        var missing = $"nosuch{Guid.NewGuid():N}"[..16];
        var (failedCode, failedOut, failedErr) = Embedctl.Run(environment, null,
            RunArgs($"{Azurite.BlobEndpoint}/{missing}/data/?{sas}", $"{Azurite.BlobEndpoint}/{outContainer.Container}/jobs/sas2/?{sas}"));

        Assert.Equal(2, failedCode); // an input refused before any work
        Assert.Contains($"container '{missing}' does not exist in account '{AzureBlobAccount.DevelopmentAccountName}'", failedErr);
        foreach (var text in new[] { stdout, stderr, failedOut, failedErr })
        {
            Assert.DoesNotContain(signature, text);
            Assert.DoesNotContain(Uri.EscapeDataString(signature), text);
        }
    }

    [Fact]
    public async Task A_wrong_key_exits_non_zero_at_once_with_an_authentication_error_naming_the_account()
    {
        var corpus = await fixture.NewContainerAsync(stem: "clikey");
        await BlobCorpus.UploadAsync(corpus, "data/", objects: 1, perObject: 5);
        var wrongKey = Convert.ToBase64String(Enumerable.Repeat((byte)42, 64).ToArray());
        var environment = Environment(
            $"DefaultEndpointsProtocol=http;AccountName={AzureBlobAccount.DevelopmentAccountName};AccountKey={wrongKey};BlobEndpoint={Azurite.BlobEndpoint};");
        var started = Stopwatch.StartNew();

        var (code, stdout, stderr) = Embedctl.Run(environment, null, RunArgs($"az://{corpus.Container}/data/", $"az://{corpus.Container}/out/"));

        Assert.Equal(1, code);
        Assert.Contains($"authentication failed for account '{AzureBlobAccount.DevelopmentAccountName}'", stderr);
        Assert.DoesNotContain("retrying", stderr);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"{started.Elapsed}");
        Assert.DoesNotContain(wrongKey, stdout + stderr);
    }

    private static async Task<string> ReadAsync(IBlobStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key);
        return await new StreamReader(stream).ReadToEndAsync();
    }
}
