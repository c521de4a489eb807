using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Hosting;
using Orleans.Streams;

namespace Clustering.Cluster;

/// <summary>Adds the work stream's provider (<see cref="WorkStream"/>); <see cref="ClusterSiloBuilderExtensions.AddEmbeddingCluster"/> calls it.</summary>
public static class WorkStreamSiloBuilderExtensions
{
    /// <summary>
    /// Memory streams when <paramref name="queue"/> is null (one process, or a cluster that accepts that items held by a
    /// silo that dies are lost: the job grain publishes undelivered shards again), else Orleans' Azure Queue streams
    /// on that queue. Implicit subscriptions only: the job grain of the stream's key receives its items.
    /// </summary>
    public static ISiloBuilder AddWorkStream(this ISiloBuilder silo, AzureWorkQueue? queue)
    {
        if (queue is null)
        {
            // One queue (one pulling agent in the cluster): items are few (a thousand shards each), and every agent
            // more is start-up work and a poll in every process, `embedctl run` included. Polled every 20 ms rather
            // than 100: a job's first offers wait for its first item.
            silo.AddMemoryStreams(WorkStream.Provider, c =>
            {
                c.ConfigurePartitioning(1);
                c.ConfigurePullingAgent(o => o.Configure(p => p.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(20)));
                c.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            });
        }
        else
        {
            silo.AddAzureQueueStreams(WorkStream.Provider, c =>
            {
                c.ConfigureAzureQueue(o => o.Configure(q =>
                {
                    q.QueueServiceClient = new Azure.Storage.Queues.QueueServiceClient(queue.ConnectionString);
                    q.QueueNames = [queue.Queue];
                }));
                c.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            });
        }
        silo.Services.TryAddSingleton<IShardWorkPublisher, StreamShardWorkPublisher>();
        return silo;
    }
}
