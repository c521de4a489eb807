using Clustering.Cluster.Streaming;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;
using Orleans.Streams;

namespace Clustering.Cluster;

/// <summary>Adds the work stream's provider (<see cref="WorkStream"/>); <see cref="ClusterSiloBuilderExtensions.AddEmbeddingCluster"/> calls it.</summary>
public static class WorkStreamSiloBuilderExtensions
{
    /// <summary>
    /// Memory streams when <paramref name="queue"/> is null (one process, or a cluster that accepts that items held by a
    /// silo that dies are lost: the job grain publishes undelivered shards again), else Orleans' Azure Queue or Event
    /// Hubs streams on that queue. Implicit subscriptions only: the job grain of the stream's key receives its items.
    /// An Event Hub is asked for its partitions first (at most <paramref name="probe"/>): Orleans' provider fails the
    /// silo's start when it cannot, so a silo whose hub is unreachable starts anyway, carries its job grains' items in
    /// memory until it is restarted, and says so in its log.
    /// </summary>
    public static ISiloBuilder AddWorkStream(this ISiloBuilder silo, WorkQueue? queue, TimeSpan probe)
    {
        switch (queue)
        {
            case null:
                AddMemory(silo);
                break;
            case AzureWorkQueue azure:
                silo.AddAzureQueueStreams(WorkStream.Provider, c =>
                {
                    c.ConfigureAzureQueue(o => o.Configure(q =>
                    {
                        q.QueueServiceClient = new Azure.Storage.Queues.QueueServiceClient(azure.ConnectionString);
                        q.QueueNames = [azure.Queue];
                    }));
                    c.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
                });
                break;
            case EventHubWorkQueue hub:
                if (StreamSiloBuilderExtensions.ProbeEventHub(hub.ConnectionString, hub.Hub, hub.Uri, probe) is { } reason)
                {
                    AddMemory(silo);
                    silo.Services.AddSingleton(new WorkQueueFallback($"--work-queue {reason}; until then this silo carries its jobs' work items in memory"));
                    silo.Services.AddHostedService<WorkQueueFallbackNotice>();
                    break;
                }
                StreamSiloBuilderExtensions.AddEventHubProvider(silo, WorkStream.Provider, hub.ConnectionString, hub.Hub, hub.ConsumerGroup,
                    hub.CheckpointConnectionString);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(queue), queue.ToString(), "unknown work queue");
        }
        silo.Services.TryAddSingleton<IShardWorkPublisher, StreamShardWorkPublisher>();
        return silo;
    }

    private static void AddMemory(ISiloBuilder silo) =>
        // One queue (one pulling agent in the cluster): items are few (a thousand shards each), and every agent
        // more is start-up work and a poll in every process, `embedctl run` included. Polled every 20 ms rather
        // than 100: a job's first offers wait for its first item.
        silo.AddMemoryStreams(WorkStream.Provider, c =>
        {
            c.ConfigurePartitioning(1);
            c.ConfigurePullingAgent(o => o.Configure(p => p.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(20)));
            c.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
        });

    /// <summary>Why this silo carries work items in memory although a work queue was given.</summary>
    public sealed record WorkQueueFallback(string Reason);

    /// <summary>Says so once, at start, in the silo's log.</summary>
    private sealed class WorkQueueFallbackNotice(WorkQueueFallback fallback, ILogger<WorkQueueFallbackNotice> log) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            log.LogWarning("{Reason}", fallback.Reason);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
