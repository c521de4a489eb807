using System.Collections.Concurrent;
using Clustering.Coordination;
using Clustering.Jobs;
using Clustering.Pipeline;
using Clustering.Pipeline.Tests;
using Clustering.Storage;
using Clustering.Storage.Azure;
using Clustering.Storage.Tests.Support;

namespace Clustering.Jobs.Tests;

/// <summary>
/// Coordinators that publish one job output at the same moment, each through its own client, against Azurite. Every
/// racer is held just before its manifest write until all have checked that no manifest exists yet, so the race is
/// decided by the service's conditional write (If-None-Match: *) alone: exactly one Put Blob of `_manifest.json`
/// succeeds, and the others adopt its manifest (same job) or refuse (another job).
/// </summary>
[Collection("Azurite")]
public sealed class PublisherRaceTests(AzuriteFixture fixture)
{
    private const int Racers = 6;

    private static readonly EmbeddingDescription Model = new("tiny-qwen3-embedding", 32, "last_token", true, "");

    [Fact]
    public async Task Publishers_of_one_job_racing_write_exactly_one_manifest_and_all_return_it()
    {
        var container = await fixture.NewContainerAsync(stem: "race");
        await container.WriteAsync("job/part-00000-a1.parquet", new MemoryStream(Part));
        await container.WriteAsync("job/part-00000-a2.parquet", new MemoryStream([4, 5])); // a late writer's part: removed
        var events = new ConcurrentQueue<BlobStoreEvent>();
        using var rendezvous = new Barrier(Racers);

        // Racer i counts a different number of tokens, so the stored manifest tells which racer wrote it.
        var manifests = await Task.WhenAll(Enumerable.Range(0, Racers).Select(i => Task.Run(() =>
            JobPublisher.PublishAsync(Job("job-race"), Spec(container), [Shard("job-race", tokens: 1000 + i)],
                Racer(container, events, rendezvous), Model))));

        var stored = await JobPublisher.ReadManifestAsync(new PrefixedBlobStore(container, "job/"));
        Assert.NotNull(stored);
        Assert.InRange(stored.Tokens, 1000, 1000 + Racers - 1);
        Assert.All(manifests, m => Assert.Equal(stored.Tokens, m.Tokens));
        Assert.All(manifests, m => Assert.Equal(stored.CompletedAt, m.CompletedAt));
        Assert.Equal(1, ManifestPuts(events, 201));
        Assert.Equal(Racers - 1, ManifestPuts(events, 409));
        Assert.Equal(["job/_SUCCESS", "job/_manifest.json", "job/part-00000-a1.parquet"], await container.ListAsync("").Select(i => i.Key).ToListAsync());
    }

    [Fact]
    public async Task Publishers_of_two_jobs_racing_for_one_output_leave_one_manifest_and_the_other_refuses()
    {
        var container = await fixture.NewContainerAsync(stem: "race2");
        await container.WriteAsync("job/part-00000-a1.parquet", new MemoryStream(Part));
        var events = new ConcurrentQueue<BlobStoreEvent>();
        using var rendezvous = new Barrier(2);
        string[] jobs = ["job-a", "job-b"];

        var outcomes = await Task.WhenAll(jobs.Select(id => Task.Run(async () =>
        {
            try
            {
                return (id, (await JobPublisher.PublishAsync(Job(id), Spec(container), [Shard(id, 100)], Racer(container, events, rendezvous), Model)).JobId, Error: (string?)null);
            }
            catch (ClusteringException e)
            {
                return (id, JobId: (string?)null, Error: e.Message);
            }
        })));

        var stored = await JobPublisher.ReadManifestAsync(new PrefixedBlobStore(container, "job/"));
        var winner = Assert.Single(outcomes, o => o.Error is null);
        var loser = Assert.Single(outcomes, o => o.Error is not null);
        Assert.Equal(winner.id, stored!.JobId);
        Assert.Contains($"belongs to job {winner.id}, not {loser.id}", loser.Error);
        Assert.Equal(1, ManifestPuts(events, 201));
    }

    /// <summary>A coordinator of its own: its own client and options, held at its manifest write until all racers are.</summary>
    private IBlobStore Racer(AzureBlobStore container, ConcurrentQueue<BlobStoreEvent> events, Barrier rendezvous) =>
        new RendezvousStore(new PrefixedBlobStore(new AzureBlobStore(fixture.Azurite.Account, container.Container, new StorageOptions { Events = events.Enqueue }), "job/"),
            OutputLayout.Manifest, rendezvous);

    private static int ManifestPuts(IEnumerable<BlobStoreEvent> events, int status) =>
        events.Count(e => e.Status == status && e.Message.StartsWith("PUT ", StringComparison.Ordinal) && e.Message.Contains("/job/_manifest.json ", StringComparison.Ordinal));

    private static JobSpec Spec(AzureBlobStore container) =>
        new() { Inputs = ["corpus.jsonl"], Model = TestCorpus.DemoModel, Output = $"az://{container.Container}/job/", ShardDocs = 100 };

    private static JobRecord Job(string id) => new(id, "{}", JobState.Succeeded, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 3, 0, null, null,
        "tiny-qwen3-embedding", "job/", JobCounters.Empty);

    /// <summary>A shard row as the planner writes it: its spec is a (here empty) ShardSpec the publisher reads back.</summary>
    private static ShardRecord Shard(string job, long tokens) => new(job, 0, new Corpus.ShardSpec(0, default, [], []) { ShardDocuments = 100 }.ToJson(), ShardState.Done, 1, 0, null, null, DateTimeOffset.UtcNow, null,
        OutputLayout.PartKey(0, 1), 10, Part.Length, "checksum", 0, tokens, DateTimeOffset.UtcNow);

    /// <summary>A real part of 10 rows (the publisher reads its ids to count duplicates).</summary>
    private static readonly byte[] Part = MakePart();

    private static byte[] MakePart()
    {
        var bytes = new MemoryStream();
        using (var writer = new Parquet.EmbeddingParquetWriter(bytes, 2, VectorType.List, [],
                   new Parquet.EmbeddingMetadata { ModelId = "m", Pooling = "last_token", Normalized = true, Prompt = "", Dtype = "float32", JobId = "j", ToolVersion = "t" },
                   new Parquet.ParquetWriteOptions()))
        {
            for (var i = 0; i < 10; i++) writer.Append($"d{i}", [1f, 0f], 1, false, []);
            writer.Complete();
        }
        return bytes.ToArray();
    }

    /// <summary>Passes everything through; a write of <paramref name="key"/> first waits until every racer has reached its own.</summary>
    private sealed class RendezvousStore(IBlobStore inner, string key, Barrier rendezvous) : IBlobStore
    {
        public string DisplayName => inner.DisplayName;
        public IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);
        public Task<BlobItem?> GetPropertiesAsync(string k, CancellationToken cancellationToken = default) => inner.GetPropertiesAsync(k, cancellationToken);
        public Task<Stream> OpenReadAsync(string k, long offset = 0, long? length = null, CancellationToken cancellationToken = default) =>
            inner.OpenReadAsync(k, offset, length, cancellationToken);
        public Task<bool> DeleteAsync(string k, CancellationToken cancellationToken = default) => inner.DeleteAsync(k, cancellationToken);

        public async Task<BlobItem> WriteAsync(string k, Stream content, WriteCondition condition = default, CancellationToken cancellationToken = default)
        {
            if (k == key) Assert.True(await Task.Run(() => rendezvous.SignalAndWait(TimeSpan.FromSeconds(30)), cancellationToken), "a racer never reached its write");
            return await inner.WriteAsync(k, content, condition, cancellationToken);
        }
    }
}
