using Azure.Storage.Queues;
using Clustering.Cluster;
using Clustering.Cluster.Streaming;
using Orleans.TestingHost;

namespace Clustering.Streaming.Tests;

/// <summary>
/// A stream job on a real Azure Storage queue (Azurite) read through Orleans' Azure Queue stream provider, in a two-silo
/// TestingHost cluster. The producer publishes plain JSON lines with the Azure SDK (no Orleans) while the job runs, and
/// the silo running the job's grain is killed mid-stream. Scaled to a 2-core CI machine (1,500 events: ~150 queue
/// messages, Azurite's ~60-300 messages/s); the full run is 20,000 events with 200 bad ones and 500 deletions:
/// <c>STREAM_TEST_EVENTS=20000 dotnet test tests/Clustering.Streaming.Tests --filter AzureQueueStreamJobTests</c>.
/// </summary>
public sealed class AzureQueueStreamJobTests
{
    private const string Source = "azqueue://devstoreaccount1/docs";

    [Fact]
    public async Task Killing_the_jobs_silo_mid_stream_commits_every_event_exactly_once()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("STREAM_TEST_EVENTS"), out var n) ? n : 1500;
        var events = count >= 20_000 ? DocumentEvents.Make(count, badEvery: 100, updateEvery: 29, deletions: 500) : DocumentEvents.Make(count);
        await using var azurite = await AzuriteQueue.StartAsync();
        var queue = new QueueClient(azurite.ConnectionString, "docs");
        await queue.CreateIfNotExistsAsync();
        await using var cluster = await StreamCluster.StartAsync(2,
            silo => silo.AddAzureQueueDocumentSource(Source, azurite.ConnectionString, visibilityTimeout: TimeSpan.FromSeconds(5)));
        var (job, output) = await cluster.CreateJobAsync("queue-job", Source, windowDocs: 200, windowSeconds: 1);
        // The victim is not the first silo (the client's gateway). MigrateAsync waits for a deactivation that never
        // comes when the grain is already on the target silo (Orleans then does not migrate), so only move it if needed.
        var victim = cluster.Cluster.Silos[1];
        if ((await job.Status()).Silo != victim.SiloAddress.ToString())
            await cluster.Cluster.MigrateAsync(job, victim.SiloAddress).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(victim.SiloAddress.ToString(), (await job.Status()).Silo);

        // Ten events per message, a few messages at a time, while the job runs; the job's silo dies a third of the way in.
        var messages = events.Texts.Chunk(10).Select(lines => string.Join('\n', lines)).ToList();
        var killed = false;
        for (var i = 0; i < messages.Count; i++)
        {
            await queue.SendMessageAsync(messages[i]);
            if (i % 5 == 4) await Task.Delay(20);
            if (!killed && i >= messages.Count / 3)
            {
                await cluster.Cluster.KillSiloAsync(victim);
                killed = true;
            }
        }

        var status = await StreamCluster.WaitForCommittedAsync(job, events.Texts.Count, seconds: 120);

        Assert.NotEqual(victim.SiloAddress.ToString(), status.Silo);
        Assert.Equal(events.Texts.Count, status.CommittedEvents);
        Assert.Equal(events.Bad.Count, status.CommittedErrors);
        StreamOutput.AssertExactlyOnce(output, events);
        Assert.All(StreamOutput.Errors(output), e => Assert.StartsWith(Source + " message ", e.Position));
    }
}
