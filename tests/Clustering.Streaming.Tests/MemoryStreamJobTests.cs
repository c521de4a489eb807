using Clustering.Cluster;
using Clustering.Cluster.Streaming;
using Orleans.Hosting;

namespace Clustering.Streaming.Tests;

/// <summary>
/// A stream job on Orleans memory streams in a two-silo TestingHost cluster: windows by count and by age, updates,
/// deletions, bad events and redeliveries, read back by DuckDB.
/// </summary>
public sealed class MemoryStreamJobTests
{
    private const string Source = "memory://docs";

    private static Task<StreamCluster> StartAsync() =>
        StreamCluster.StartAsync(2, silo => silo.AddMemoryDocumentSource(Source), client => client.AddMemoryStreams(Source));

    [Fact]
    public async Task Every_event_lands_once_in_committed_windows_with_deletions_as_tombstones_and_bad_events_in_errors()
    {
        await using var cluster = await StartAsync();
        var (job, output) = await cluster.CreateJobAsync("news", Source, windowDocs: 250, windowSeconds: 1);
        var events = DocumentEvents.Make(2000);
        var stream = cluster.Client.GetStreamProvider(Source).GetStream<SourcedEvent>(StreamSource.Parse(Source).StreamId);
        var published = 0;
        var redelivered = 0;
        foreach (var chunk in events.Texts.Chunk(40))
        {
            var batch = chunk.Select((t, i) => new SourcedEvent(t, $"memory batch {published / 40} item {i}")).ToList();
            await stream.OnNextBatchAsync(batch);
            if (published / 40 % 10 == 3)
            {
                await stream.OnNextBatchAsync(batch); // a redelivery: the same texts again
                redelivered += batch.Count;
            }
            published += chunk.Length;
        }

        var status = await StreamCluster.WaitForCommittedAsync(job, events.Texts.Count, seconds: 60);

        Assert.Equal(events.Texts.Count, status.CommittedEvents);
        Assert.Equal(events.Bad.Count, status.CommittedErrors);
        Assert.Equal(redelivered, status.Redelivered); // every batch sent twice is dropped the second time
        Assert.Equal(200, redelivered);
        Assert.Equal("running", status.State);
        StreamOutput.AssertExactlyOnce(output, events);
        var manifests = StreamOutput.Manifests(output);
        Assert.Equal(status.CommittedWindows, manifests.Count);
        Assert.All(manifests, m => Assert.True(m.GetProperty("events").GetInt64() <= 250));
        Assert.Equal(events.Texts.Count, manifests.Sum(m => m.GetProperty("events").GetInt64()));
        var latest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "_latest.json"))).RootElement;
        Assert.Equal(status.LatestWindow, latest.GetProperty("start").GetString());
        Assert.Equal(manifests[^1].GetProperty("start").GetString(), status.LatestWindow);
    }

    [Fact]
    public async Task A_window_closes_by_age_and_a_paused_job_journals_without_committing()
    {
        await using var cluster = await StartAsync();
        var (job, output) = await cluster.CreateJobAsync("slow", Source, windowDocs: 10_000, windowSeconds: 0.5);
        var stream = cluster.Client.GetStreamProvider(Source).GetStream<SourcedEvent>(StreamSource.Parse(Source).StreamId);
        await stream.OnNextAsync(new SourcedEvent("{\"id\": \"a\", \"text\": \"alpha\", \"v\": \"1\"}", "memory 1"));
        var status = await StreamCluster.WaitForCommittedAsync(job, 1, seconds: 30);
        Assert.Equal(1, status.CommittedWindows);

        Assert.Equal("paused", (await job.Pause()).State);
        await stream.OnNextAsync(new SourcedEvent("{\"id\": \"a\", \"deleted\": true}", "memory 2"));
        await Task.Delay(1500); // three times the window's age: a running job would have committed it
        status = await job.Status();
        Assert.Equal((1L, 1L), (status.CommittedWindows, status.LagEvents));
        Assert.True(status.LagSeconds >= 1, $"lag {status.LagSeconds} s");

        Assert.Equal("running", (await job.Resume()).State);
        status = await StreamCluster.WaitForCommittedAsync(job, 2, seconds: 30);
        Assert.Equal(2, status.CommittedWindows);
        var rows = Clustering.Pipeline.Tests.DuckDb.Query($"SELECT id, deleted FROM read_parquet('{StreamOutput.Parts(output)}', filename = true) ORDER BY filename")[0];
        Assert.Equal([("a", false), ("a", true)], rows.Select(r => (r[0].GetString(), r[1].GetBoolean())));
    }

    [Fact]
    public async Task A_failed_commit_is_retried_and_shown_through_a_pause_and_lands_once_when_the_store_recovers()
    {
        await using var cluster = await StartAsync();
        var (job, output) = await cluster.CreateJobAsync("stuck", Source, windowDocs: 10_000, windowSeconds: 0.5);
        // A folder where _latest.json goes: the window's part and manifest are written, naming it as the latest fails
        // (for root too), so the commit cannot finish until the folder is gone.
        var blocker = Path.Combine(output, "_latest.json");
        Directory.CreateDirectory(blocker);
        var stream = cluster.Client.GetStreamProvider(Source).GetStream<SourcedEvent>(StreamSource.Parse(Source).StreamId);
        await stream.OnNextAsync(new SourcedEvent("{\"id\": \"a\", \"text\": \"alpha\", \"v\": \"1\"}", "memory 1"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var status = await job.Status();
        while (status.LastError is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            status = await job.Status();
        }
        Assert.Contains("_latest.json", status.LastError);
        Assert.Equal((0L, 1L), (status.CommittedWindows, status.LagEvents));

        // Pause finishes a sealed window's commit; failing, it answers paused and still says why.
        var before = status.LastError;
        await Task.Delay(20);
        status = await job.Pause();
        Assert.Equal("paused", status.State);
        Assert.Contains("_latest.json", status.LastError);
        Assert.NotEqual(before, status.LastError); // recorded again, by this attempt or a tick since
        Assert.Equal(0, status.CommittedWindows);

        Directory.Delete(blocker);
        Assert.Equal("running", (await job.Resume()).State);
        status = await StreamCluster.WaitForCommittedAsync(job, 1, seconds: 30);
        Assert.Equal((1L, 1L, (string?)null), (status.CommittedWindows, status.CommittedEvents, status.LastError));
        var rows = Clustering.Pipeline.Tests.DuckDb.Query($"SELECT id, deleted FROM read_parquet('{StreamOutput.Parts(output)}')")[0];
        Assert.Equal([("a", false)], rows.Select(r => (r[0].GetString(), r[1].GetBoolean())));
    }

    [Fact]
    public async Task Creating_refuses_an_unconfigured_source_a_missing_model_and_a_second_job_on_a_source()
    {
        await using var cluster = await StartAsync();
        var spec = StreamCluster.Spec(Path.Combine(cluster.Root, "x")).ToJson();
        var unconfigured = await Assert.ThrowsAnyAsync<Exception>(() =>
            cluster.Client.GetGrain<IStreamJobGrain>("a").Create(new StreamJobDefinition("a", "azqueue://acct/other", spec, 10, 1)));
        Assert.Contains("azqueue://acct/other: not configured", unconfigured.Message);
        Assert.Contains("memory://docs", unconfigured.Message);

        var badSpec = StreamCluster.Spec(Path.Combine(cluster.Root, "x")) with { Model = Path.Combine(cluster.Root, "no-model") };
        var noModel = await Assert.ThrowsAnyAsync<Exception>(() =>
            cluster.Client.GetGrain<IStreamJobGrain>("b").Create(new StreamJobDefinition("b", Source, badSpec.ToJson(), 10, 1)));
        Assert.Contains("no-model", noModel.Message);

        await cluster.CreateJobAsync("first", Source, 10, 1);
        var second = await Assert.ThrowsAnyAsync<Exception>(() => cluster.CreateJobAsync("second", Source, 10, 1));
        Assert.Contains("stream job 'first' already consumes it", second.Message);
        var listed = await cluster.Client.GetGrain<IStreamDirectoryGrain>(0).List();
        Assert.Equal(["first"], listed.Select(s => s.Name));

        Assert.True(await cluster.Client.GetGrain<IStreamJobGrain>("first").Delete());
        Assert.Empty(await cluster.Client.GetGrain<IStreamDirectoryGrain>(0).List());
        await cluster.CreateJobAsync("second", Source, 10, 1); // the source is free again
    }
}
