using Clustering.Cluster;
using Clustering.Silo;

namespace Clustering.Integration.Tests;

/// <summary>`--work-queue` as embed-silo reads it: each accepted shape, and each refusal naming the flag and what to give.</summary>
public sealed class WorkQueueOptionTests
{
    private const string HubConnection = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=work;SharedAccessKey=c2VjcmV0";

    [Fact]
    public void An_event_hub_work_queue_takes_its_consumer_group_or_the_default_and_never_shows_its_keys()
    {
        var options = new SiloOptions { WorkQueue = "eventhub://ns/shard-work/silos", EventHubConnection = HubConnection, QueueConnection = "UseDevelopmentStorage=true" };
        var hub = Assert.IsType<EventHubWorkQueue>(SiloStreams.WorkQueueOf(options));
        Assert.Equal(("shard-work", "silos", "UseDevelopmentStorage=true"), (hub.Hub, hub.ConsumerGroup, hub.CheckpointConnectionString));
        Assert.Equal("eventhub://ns/shard-work/silos", hub.ToString());

        options.WorkQueue = "eventhub://ns/shard-work";
        options.EventHubCheckpoints = "UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://127.0.0.1";
        hub = Assert.IsType<EventHubWorkQueue>(SiloStreams.WorkQueueOf(options));
        Assert.Equal(("$Default", options.EventHubCheckpoints), (hub.ConsumerGroup, hub.CheckpointConnectionString));
        Assert.Null(SiloStreams.WorkQueueOf(new SiloOptions { WorkQueue = "memory" }));
    }

    [Theory]
    [InlineData("eventhub://ns", HubConnection, "--work-queue 'eventhub://ns': give memory (the default), azqueue://ACCOUNT/QUEUE or eventhub://NAMESPACE/HUB[/CONSUMER_GROUP] (each part letters, digits, '-', '_' or '.')")]
    [InlineData("eventhub://ns/a b", HubConnection, "--work-queue 'eventhub://ns/a b': give memory (the default), azqueue://ACCOUNT/QUEUE or eventhub://NAMESPACE/HUB[/CONSUMER_GROUP] (each part letters, digits, '-', '_' or '.')")]
    [InlineData("eventhub://ns/hub", null, "--work-queue eventhub://ns/hub: give --eventhub-connection (or CLUSTERING_EVENTHUBCONNECTION)")]
    [InlineData("kafka://broker/topic", HubConnection, "--work-queue 'kafka://broker/topic': give memory (the default), azqueue://ACCOUNT/QUEUE or eventhub://NAMESPACE/HUB[/CONSUMER_GROUP]")]
    public void A_work_queue_that_cannot_be_used_is_refused_naming_the_flag(string queue, string? connection, string message)
    {
        var options = new SiloOptions { WorkQueue = queue, EventHubConnection = connection, QueueConnection = "UseDevelopmentStorage=true" };
        Assert.Equal(message, Assert.Throws<ClusteringException>(() => SiloStreams.WorkQueueOf(options)).Message);
    }

    [Fact]
    public void An_event_hub_work_queue_needs_somewhere_for_its_checkpoints()
    {
        var options = new SiloOptions { WorkQueue = "eventhub://ns/hub", EventHubConnection = HubConnection };
        Assert.Equal("--work-queue eventhub://ns/hub: give --eventhub-checkpoints (or --queue-connection), the Azure Storage account for its checkpoints",
            Assert.Throws<ClusteringException>(() => SiloStreams.WorkQueueOf(options)).Message);
    }
}
