using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Streams;

namespace Clustering.Cluster.Streaming;

/// <summary>
/// Stream jobs on a silo: <see cref="AddEmbeddingStreams"/> once, then one call per source the silo reads (Orleans stream
/// providers are fixed at start-up; a job may only name a configured source). Every provider delivers implicitly to
/// the consumer grain (no pub-sub store), which hands events to the job.
/// </summary>
public static class StreamSiloBuilderExtensions
{
    public static ISiloBuilder AddEmbeddingStreams(this ISiloBuilder silo, StreamServices services)
    {
        silo.Services.AddSingleton(services);
        silo.Services.AddSingleton<StreamCatalog>();
        Registry(silo);
        return silo;
    }

    /// <summary>A source inside the cluster (tests, the benchmark): Orleans memory streams, lost with the silo that holds the queue.</summary>
    public static ISiloBuilder AddMemoryDocumentSource(this ISiloBuilder silo, string uri)
    {
        var source = Source(uri, StreamSource.Memory);
        silo.AddMemoryStreams(source.Uri, c => c.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly));
        Registry(silo).Add(source);
        return silo;
    }

    /// <summary>
    /// An Azure Storage queue whose messages are JSON documents, one per line (<see cref="RawDocumentQueueAdapter"/>).
    /// A message is deleted once its events are journaled; until then it reappears after the visibility timeout.
    /// </summary>
    public static ISiloBuilder AddAzureQueueDocumentSource(this ISiloBuilder silo, string uri, string connectionString, TimeSpan? visibilityTimeout = null)
    {
        var source = Source(uri, StreamSource.AzureQueue);
        silo.AddAzureQueueStreams(source.Uri, c =>
        {
            c.ConfigureAzureQueue(o => o.Configure(q =>
            {
                var options = new Azure.Storage.Queues.QueueClientOptions();
                options.AddPolicy(new QueueMessageIdPolicy(), Azure.Core.HttpPipelinePosition.PerCall);
                q.QueueServiceClient = new Azure.Storage.Queues.QueueServiceClient(connectionString, options);
                q.QueueNames = [source.Name];
                if (visibilityTimeout is { } timeout) q.MessageVisibilityTimeout = timeout;
            }));
            c.ConfigureQueueDataAdapter((_, _) => new RawDocumentQueueAdapter(source));
            c.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
        });
        Registry(silo).Add(source);
        return silo;
    }

    /// <summary>
    /// An Event Hub. The hub is asked for its partitions first (at most <paramref name="probeTimeout"/>): Orleans' provider
    /// fails the whole silo's start when it cannot, so an unreachable hub is recorded instead and its job shows
    /// <c>source-unavailable</c> with the reason, while the silo serves everything else. Checkpoints go to Azure Tables
    /// (<paramref name="checkpointConnectionString"/>). Events must be published in Orleans' Event Hubs format.
    /// </summary>
    public static ISiloBuilder AddEventHubDocumentSource(this ISiloBuilder silo, string uri, string connectionString, string checkpointConnectionString,
        TimeSpan? probeTimeout = null)
    {
        var source = Source(uri, StreamSource.EventHub);
        var group = source.ConsumerGroup ?? "$Default";
        if (ProbeEventHub(connectionString, source.Name, source.Uri, probeTimeout ?? TimeSpan.FromSeconds(10)) is { } reason)
        {
            Registry(silo).Add(source, reason);
            return silo;
        }
        AddEventHubProvider(silo, source.Uri, connectionString, source.Name, group, checkpointConnectionString);
        Registry(silo).Add(source);
        return silo;
    }

    /// <summary>
    /// Orleans' Event Hubs stream provider <paramref name="provider"/> on one hub and consumer group, its checkpoints in
    /// Azure Tables every 10 s, implicit subscriptions only: the document sources' and the work stream's (call
    /// <see cref="ProbeEventHub"/> first: the provider fails the silo's start when the hub does not answer).
    /// </summary>
    public static void AddEventHubProvider(ISiloBuilder silo, string provider, string connectionString, string hub, string consumerGroup,
        string checkpointConnectionString) =>
        silo.AddEventHubStreams(provider, c =>
        {
            c.ConfigureEventHub(o => o.Configure(h => h.ConfigureEventHubConnection(connectionString, hub, consumerGroup)));
            c.UseAzureTableCheckpointer(o => o.Configure(t =>
            {
                t.TableServiceClient = new Azure.Data.Tables.TableServiceClient(checkpointConnectionString);
                t.PersistInterval = TimeSpan.FromSeconds(10);
            }));
            c.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
        });

    /// <summary>
    /// A source whose Orleans stream provider the caller adds (named by the source's URI, delivering
    /// <see cref="SourcedEvent"/>s into <see cref="StreamSource.StreamId"/>, implicit pub-sub only): Orleans' Event Hubs
    /// event generator in tests, or another provider.
    /// </summary>
    public static ISiloBuilder AddDocumentSourceProvider(this ISiloBuilder silo, string uri, Action<ISiloBuilder, StreamSource> addProvider)
    {
        var source = StreamSource.Parse(uri);
        addProvider(silo, source);
        Registry(silo).Add(source);
        return silo;
    }

    /// <summary>Null when the hub answered with its partitions; otherwise what went wrong, naming the hub by <paramref name="uri"/>.</summary>
    public static string? ProbeEventHub(string connectionString, string hub, string uri, TimeSpan timeout)
    {
        try
        {
            var options = new EventHubProducerClientOptions { RetryOptions = new EventHubsRetryOptions { MaximumRetries = 0, TryTimeout = timeout } };
            var client = new EventHubProducerClient(connectionString, hub, options);
            try
            {
                using var cancel = new CancellationTokenSource(timeout);
                Task.Run(() => client.GetPartitionIdsAsync(cancel.Token)).GetAwaiter().GetResult();
            }
            finally
            {
                Task.Run(() => client.DisposeAsync().AsTask()).Wait(TimeSpan.FromSeconds(5));
            }
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var message = e is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:0} s" : e.GetBaseException().Message;
            return $"{uri}: the Event Hub could not be reached when the silo started ({message}); restart the silo once it is";
        }
    }

    private static StreamSource Source(string uri, string scheme)
    {
        var source = StreamSource.Parse(uri);
        if (source.Scheme != scheme) throw new ClusteringException($"stream source '{uri}': expected a {scheme}:// source here");
        return source;
    }

    /// <summary>The one registry of this silo's sources, made when the first source or <see cref="AddEmbeddingStreams"/> asks for it.</summary>
    private static StreamSourceRegistry Registry(ISiloBuilder silo)
    {
        var existing = silo.Services.FirstOrDefault(d => d.ServiceType == typeof(StreamSourceRegistry))?.ImplementationInstance;
        if (existing is StreamSourceRegistry registry) return registry;
        registry = new StreamSourceRegistry();
        silo.Services.AddSingleton(registry);
        return registry;
    }
}
