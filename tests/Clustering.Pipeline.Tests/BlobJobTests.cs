using System.Collections.Concurrent;
using System.Diagnostics;
using Clustering.Coordination;
using Clustering.Corpus;
using Clustering.Hosting;
using Clustering.Jobs;
using Clustering.Storage;
using Clustering.Storage.Azure;
using Clustering.Storage.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Pipeline.Tests;

/// <summary>
/// Jobs whose corpus and output live in Azure Blob Storage (a real Azurite): a prefix read across many list pages and
/// written back under a prefix, read by DuckDB after download; the state folder; refusals (a wrong key, a missing
/// container) that come once, by name, before any work.
/// </summary>
[Collection("Azurite")]
public sealed class BlobJobTests(AzuriteFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clustering-blobjob-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private AzuriteProcess Azurite => fixture.Azurite;

    private static JobSpec Spec(string input, string output, int shardDocs) =>
        new JobSpecBuilder { Input = input, Output = output, ShardDocs = shardDocs }.Build();

    [Fact]
    public async Task A_job_reads_a_blob_prefix_over_many_list_pages_and_writes_under_a_blob_prefix_that_DuckDB_reads_back()
    {
        var corpus = await fixture.NewContainerAsync(stem: "corpus");
        var ids = await BlobCorpus.UploadAsync(corpus, "data/", objects: 7, perObject: 40);
        var outContainer = await fixture.NewContainerAsync(stem: "out");
        await outContainer.WriteAsync("neighbour/keep.jsonl", new MemoryStream("{}"u8.ToArray()));
        var counting = new CountingHandler();
        var storage = new StorageOptions { ConnectionString = Azurite.ConnectionString, ListPageSize = 2, HttpHandler = counting };
        // az:// for the input (the account from the connection string), the path-style URL without a trailing '/' for the output.
        var spec = Spec($"az://{corpus.Container}/data/", $"{Azurite.BlobEndpoint}/{outContainer.Container}/jobs/run-1", shardDocs: 100);
        var state = Path.Combine(_dir, "state");
        var runner = new EmbeddedRunner(NullLoggerFactory.Instance, storage);

        var result = await runner.RunAsync(spec, workers: 1, new JobProgress(), CancellationToken.None, state);

        Assert.Equal(JobState.Succeeded, result.State);
        Assert.Equal(280, result.Manifest.Documents);
        Assert.Equal(0, result.Manifest.Errors);
        // 11 objects under data/ at 2 per page: at least 6 List Blobs requests for that one listing.
        var pages = counting.Requests.Count(r => r.Contains("comp=list", StringComparison.Ordinal) && r.Contains("prefix=data%2F", StringComparison.Ordinal));
        Assert.True(pages >= (BlobCorpus.ObjectsUnder(7) + 1) / 2, $"{pages} list pages: {string.Join('\n', counting.Requests)}");

        // The job's objects are under its prefix and nothing else was touched; its state is local.
        var everything = await outContainer.ListAsync("").Select(i => i.Key).ToListAsync();
        var expected = result.Manifest.Files.Select(f => "jobs/run-1/" + f.Key)
            .Concat(["jobs/run-1/_SUCCESS", "jobs/run-1/_manifest.json", "neighbour/keep.jsonl"]).Order(StringComparer.Ordinal);
        Assert.Equal(expected, everything);
        Assert.True(File.Exists(Path.Combine(state, "jobs.db")));

        var output = new PrefixedBlobStore(outContainer, "jobs/run-1/");
        var local = await BlobCorpus.DownloadAsync(output, Path.Combine(_dir, "download"));
        var dims = result.Manifest.Dimensions;
        var counts = DuckDb.Query($"SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE len(embedding) = {dims} AND embedding[1] IS NOT NULL) " +
                                  $"FROM read_parquet('{DuckDb.Glob(local)}')")[0][0];
        Assert.Equal([280L, 280L, 280L], counts.Select(c => c.GetInt64()));
        var read = DuckDb.Query($"SELECT id FROM read_parquet('{DuckDb.Glob(local)}')")[0].Select(r => r[0].GetString()!).ToHashSet();
        Assert.True(read.SetEquals(ids), "exactly the documents under data/, none of the decoys");

        // The same run again resumes a finished job: nothing is rewritten.
        var before = await output.ListAsync("").ToDictionaryAsync(i => i.Key, i => i.ETag);
        var again = await runner.RunAsync(spec, workers: 1, new JobProgress(), CancellationToken.None, state);
        Assert.Equal(result.Manifest.CompletedAt, again.Manifest.CompletedAt);
        Assert.Equal(before, await output.ListAsync("").ToDictionaryAsync(i => i.Key, i => i.ETag));
    }

    [Fact]
    public async Task SAS_URL_inputs_name_documents_without_the_signature_and_their_question_mark_is_no_glob()
    {
        var corpus = await fixture.NewContainerAsync(stem: "sasin");
        await BlobCorpus.UploadAsync(corpus, "data/", objects: 3, perObject: 2);
        var sas = AccountSas.Create(AzureBlobAccount.DevelopmentAccountName, AzureBlobAccount.DevelopmentAccountKey, DateTimeOffset.UtcNow.AddHours(1));
        var container = $"{Azurite.BlobEndpoint}/{corpus.Container}";
        var stores = new InputStores(new LocationResolver(new StorageOptions { EnvironmentVariable = _ => null }));

        // A prefix, a glob and one object, overlapping: three inputs, each once.
        var inputs = await new InputResolver(stores).ResolveAsync([$"{container}/data/?{sas}", $"{container}/data/*.gz?{sas}", $"{container}/data/part-000.jsonl?{sas}"]);

        Assert.Equal([$"{container}/data/part-000.jsonl", $"{container}/data/part-001.jsonl", $"{container}/data/part-002.jsonl.gz"], inputs.Select(i => i.Name));
        Assert.Equal(["data/part-000.jsonl", "data/part-001.jsonl", "data/part-002.jsonl.gz"], inputs.Select(i => i.Key));
        // The root (kept in the plan, never shown) carries the SAS, since it is what reopens the container.
        Assert.All(inputs, i => Assert.Equal($"{container}/?{sas}", i.Root));
        var e = await Assert.ThrowsAsync<ClusteringException>(() => new InputResolver(stores).ResolveAsync([$"{container}/nothing/?{sas}"]));
        Assert.DoesNotContain(AccountSas.SignatureOf(sas), e.Message);
        Assert.DoesNotContain(Uri.EscapeDataString(AccountSas.SignatureOf(sas)), e.Message);
        Assert.Contains("sig=REDACTED", e.Message);
    }

    [Fact]
    public void The_default_state_folder_is_one_local_folder_per_output_location_however_it_is_spelled()
    {
        var runner = new EmbeddedRunner(NullLoggerFactory.Instance, new StorageOptions { ConnectionString = Azurite.ConnectionString });
        string Of(string output) => runner.DefaultStateFolder(Spec("corpus.jsonl", output, 100));
        var sas = AccountSas.Create(AzureBlobAccount.DevelopmentAccountName, AzureBlobAccount.DevelopmentAccountKey, DateTimeOffset.UtcNow.AddHours(1));

        var state = Of("az://out/jobs/run-1/");

        Assert.Equal(state, Of("az://out/jobs/run-1"));
        Assert.Equal(state, Of($"{Azurite.BlobEndpoint}/out/jobs/run-1/"));
        Assert.Equal(state, Of($"{Azurite.BlobEndpoint}/out/jobs/run-1?{sas}")); // a SAS (renewed or not) is no part of it
        Assert.NotEqual(state, Of("az://out/jobs/run-2/"));
        Assert.NotEqual(state, Of("az://out2/jobs/run-1/"));
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        Assert.Equal(Path.Combine(cache, "clustering", "state"), Path.GetDirectoryName(state));
        Assert.Matches("^[0-9a-f]{64}$", Path.GetFileName(state));
        Assert.DoesNotContain(AccountSas.SignatureOf(sas), state);
        Assert.Equal(Path.Combine(_dir, "out", "_state"), Of(Path.Combine(_dir, "out")));
    }

    [Fact]
    public async Task A_wrong_key_is_refused_once_naming_the_account_before_any_work()
    {
        var corpus = await fixture.NewContainerAsync(stem: "wrongkey");
        await BlobCorpus.UploadAsync(corpus, "data/", objects: 2, perObject: 5);
        var wrongKey = Convert.ToBase64String(Enumerable.Repeat((byte)7, 64).ToArray());
        var counting = new CountingHandler();
        var storage = new StorageOptions
        {
            ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={AzureBlobAccount.DevelopmentAccountName};AccountKey={wrongKey};BlobEndpoint={Azurite.BlobEndpoint};",
            HttpHandler = counting,
        };
        var spec = Spec($"az://{corpus.Container}/data/", $"az://{corpus.Container}/out/", shardDocs: 100);
        var started = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<AzureStorageException>(() =>
            new EmbeddedRunner(NullLoggerFactory.Instance, storage).RunAsync(spec, 1, new JobProgress(), CancellationToken.None, Path.Combine(_dir, "state")));

        Assert.Contains($"authentication failed for account '{AzureBlobAccount.DevelopmentAccountName}'", e.Message);
        Assert.Equal(403, e.Status);
        Assert.Equal(1, counting.Count); // one request, no retries
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"{started.Elapsed}");
        Assert.DoesNotContain(wrongKey, e.ToString());
    }

    [Theory]
    [InlineData("input")]
    [InlineData("output")]
    public async Task A_missing_container_is_a_clear_error(string which)
    {
        var existing = await fixture.NewContainerAsync(stem: "present");
        await BlobCorpus.UploadAsync(existing, "data/", objects: 1, perObject: 5);
        var missing = $"missing{Guid.NewGuid():N}"[..20];
        var input = which == "input" ? $"az://{missing}/data/" : $"az://{existing.Container}/data/";
        var output = which == "output" ? $"az://{missing}/jobs/x/" : $"az://{existing.Container}/jobs/x/";
        var storage = new StorageOptions { ConnectionString = Azurite.ConnectionString };

        // A missing input is refused while planning, a missing output when its manifest is looked for: the storage words.
        var e = await Assert.ThrowsAnyAsync<ClusteringException>(() => new EmbeddedRunner(NullLoggerFactory.Instance, storage)
            .RunAsync(Spec(input, output, 100), 1, new JobProgress(), CancellationToken.None, Path.Combine(_dir, "state")));

        Assert.Contains($"container '{missing}' does not exist in account '{AzureBlobAccount.DevelopmentAccountName}'", e.Message);
    }
}

/// <summary>
/// Azurite stopped for 20 s in the middle of a job and started again on the same port and data folder: the job waits
/// through the outage (store retries) and completes with every document exactly once. Owns its Azurite, since it stops it.
/// </summary>
public sealed class BlobJobOutageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clustering-outage-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Azurite_stopped_for_20_s_mid_job_then_started_again_loses_and_doubles_nothing()
    {
        await using var azurite = await AzuriteProcess.StartNewAsync();
        var corpus = new AzureBlobStore(azurite.Account, "corpus");
        await corpus.CreateContainerIfNotExistsAsync();
        var ids = await BlobCorpus.UploadAsync(corpus, "data/", objects: 10, perObject: 150);
        var outContainer = new AzureBlobStore(azurite.Account, "out");
        await outContainer.CreateContainerIfNotExistsAsync();
        var output = new PrefixedBlobStore(outContainer, "jobs/outage/");
        var events = new ConcurrentQueue<BlobStoreEvent>();
        // The default policy (200 ms doubling to 30 s, 10 attempts: at least 40 s of backoff) outlasts a 20 s outage too,
        // but may wait up to 25 s more after it; a 4 s cap keeps this test short.
        var storage = new StorageOptions
        {
            ConnectionString = azurite.ConnectionString,
            Events = events.Enqueue,
            Retry = { MaxDelay = TimeSpan.FromSeconds(4), MaxAttempts = 30 },
        };
        var spec = new JobSpecBuilder { Input = "az://corpus/data/", Output = "az://out/jobs/outage/", ShardDocs = 75 }.Build();

        var run = Task.Run(() => new EmbeddedRunner(NullLoggerFactory.Instance, storage)
            .RunAsync(spec, workers: 1, new JobProgress(), CancellationToken.None, Path.Combine(_dir, "state")));
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await BlobCorpus.PartsAsync(output)).Count < 2)
        {
            Assert.False(run.IsCompleted, run.IsFaulted ? run.Exception!.ToString() : "the job ended before the outage");
            Assert.True(DateTime.UtcNow < deadline, "no parts after 2 minutes");
            await Task.Delay(50);
        }
        await azurite.StopAsync();
        Assert.False(run.IsCompleted, "the job ended before the outage");
        await Task.Delay(TimeSpan.FromSeconds(20));
        Assert.False(run.IsCompleted, run.IsFaulted ? run.Exception!.ToString() : "the job finished while storage was down");
        await azurite.StartAsync();

        var result = await run.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(JobState.Succeeded, result.State);
        Assert.Equal(ids.Count, result.Manifest.Documents);
        Assert.Contains(events, e => e.Level == BlobStoreEventLevel.Warning && e.Message.Contains("connection failed"));
        var parts = await BlobCorpus.PartsAsync(output);
        Assert.Equal(result.Manifest.Files.Select(f => f.Key).Order(StringComparer.Ordinal), parts.Order(StringComparer.Ordinal));
        var local = await BlobCorpus.DownloadAsync(output, Path.Combine(_dir, "download"));
        var counts = DuckDb.Query($"SELECT count(*), count(DISTINCT id) FROM read_parquet('{DuckDb.Glob(local)}')")[0][0];
        Assert.Equal(ids.Count, counts[0].GetInt64());
        Assert.Equal(ids.Count, counts[1].GetInt64());
        var read = DuckDb.Query($"SELECT id FROM read_parquet('{DuckDb.Glob(local)}')")[0].Select(r => r[0].GetString()!).ToHashSet();
        Assert.True(read.SetEquals(ids));
    }
}
