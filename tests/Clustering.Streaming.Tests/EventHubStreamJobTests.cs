using Clustering.Cluster;
using Clustering.Cluster.Streaming;
using Clustering.Pipeline.Tests;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting.Developer;
using Orleans.Providers.Streams.Common;
using Orleans.Serialization;
using Orleans.Streaming.EventHubs.Testing;

namespace Clustering.Streaming.Tests;

/// <summary>
/// Event Hubs as far as it runs here: Orleans' Event Hubs adapter with its event generator standing in for the hub
/// (no Event Hubs emulator can run on this machine), and a hub that cannot be reached.
/// </summary>
public sealed class EventHubStreamJobTests
{
    private const string Source = "eventhub://generator/docs";

    [Fact]
    public async Task Generated_events_through_the_event_hubs_adapter_are_committed_exactly_once()
    {
        await using var cluster = await StreamCluster.StartAsync(2, silo => silo.AddDocumentSourceProvider(Source, (s, source) =>
        {
            s.AddEventDataGeneratorStreams(source.Uri, c =>
            {
                c.Configure<EventDataGeneratorStreamOptions>(o => o.Configure(g => g.EventHubPartitionCount = 1));
                c.UseDataAdapter((services, _) => new GeneratedDocumentsAdapter(services.GetRequiredService<Serializer>()));
                c.ConfigureStreamPubSub(Orleans.Streams.StreamPubSubType.ImplicitOnly);
            });
            // The generator reads from nowhere, so there is no position to keep (a real hub checkpoints to Azure Tables).
            s.Services.AddKeyedSingleton<Orleans.Streams.IStreamQueueCheckpointerFactory>(source.Uri, (_, _) => NoOpCheckpointerFactory.Instance);
        }));
        var (job, output) = await cluster.CreateJobAsync("hub-job", Source, windowDocs: 500, windowSeconds: 1);
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var streamId = StreamSource.Parse(Source).StreamId;
        await management.SendControlCommandToProvider<PersistentStreamProvider>(Source,
            (int)EventDataGeneratorAdapterFactory.Commands.Randomly_Place_Stream_To_Queue, new EventDataGeneratorAdapterFactory.StreamRandomPlacementArg(streamId, 0));
        // The generator produces as fast as the pulling agent reads (backpressure ties that to the job's commits) and
        // does not stop; pausing the job freezes its committed windows, which hold a prefix 1..n of one partition's events.
        await StreamCluster.WaitForCommittedAsync(job, 1000, seconds: 90, requireCaughtUp: false);
        var status = await job.Pause();
        var n = status.CommittedEvents;
        Assert.True(n >= 100, $"only {n} events generated");
        var parts = StreamOutput.Parts(output);
        var rows = DuckDb.Query($"SELECT count(*), count(DISTINCT seq), min(seq), max(seq), count(*) FILTER (WHERE deleted) FROM read_parquet('{parts}')")[0][0];
        var good = n - n / 50;
        Assert.Equal(good, rows[0].GetInt64());
        Assert.Equal(good, rows[1].GetInt64());
        Assert.Equal(GeneratedDocumentsAdapter.Seq(1), rows[2].GetString());
        Assert.Equal(GeneratedDocumentsAdapter.Seq((int)(n % 50 == 0 ? n - 1 : n)), rows[3].GetString());
        Assert.Equal(n / 10 - n / 50, rows[4].GetInt64());
        var errors = StreamOutput.Errors(output);
        Assert.Equal(Enumerable.Range(1, (int)(n / 50)).Select(k => GeneratedDocumentsAdapter.TextOf(50 * k)), errors.Select(e => e.Event).Order(StringComparer.Ordinal).OrderBy(t => t.Length));
        Assert.All(errors, e => Assert.StartsWith("generated event hub ", e.Position));
    }

    [Fact]
    public async Task An_unreachable_hub_leaves_the_silo_up_and_the_job_saying_why()
    {
        const string unreachable = "eventhub://nowhere/docs";
        // Port 1 on loopback: refused at once. Orleans' own provider would fail the silo's start here (~14 s).
        const string connection = "Endpoint=sb://127.0.0.1:1/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=a2V5";
        await using var cluster = await StreamCluster.StartAsync(1, silo =>
            silo.AddEventHubDocumentSource(unreachable, connection, "UseDevelopmentStorage=true", probeTimeout: TimeSpan.FromSeconds(5)));

        var (job, _) = await cluster.CreateJobAsync("hub-down", unreachable, windowDocs: 100, windowSeconds: 1);
        var status = await job.Status();

        Assert.Equal("source-unavailable", status.State);
        Assert.Contains("eventhub://nowhere/docs: the Event Hub could not be reached when the silo started", status.LastError);
        Assert.Equal(["hub-down"], (await cluster.Client.GetGrain<IStreamDirectoryGrain>(0).List()).Select(s => s.Name));
    }
}
