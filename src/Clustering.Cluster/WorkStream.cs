using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Streams;

namespace Clustering.Cluster;

/// <summary>
/// The work stream: planned shards enter the cluster as <see cref="ShardWork"/> items on one Orleans stream per job
/// (namespace <see cref="Namespace"/>, key: the job id), which the job grain receives through an implicit
/// subscription. The provider is chosen by the silo (<see cref="WorkStreamSiloBuilderExtensions.AddWorkStream"/>):
/// memory streams by default, an Azure Storage queue or an Event Hub when given.
/// </summary>
public static class WorkStream
{
    public const string Provider = "clustering.work";

    public const string Namespace = "clustering.shard-work";

    /// <summary>Shards per item: a few kilobytes serialized, far below an Azure queue message's 64 KiB.</summary>
    public const int ShardsPerItem = 1000;

    public static StreamId Of(string jobId) => StreamId.Create(Namespace, jobId);

    /// <summary>The items that carry <paramref name="shards"/> of a job, in order.</summary>
    public static IEnumerable<ShardWork> Items(string jobId, IEnumerable<int> shards) =>
        shards.Chunk(ShardsPerItem).Select(chunk => new ShardWork(jobId, chunk));
}

/// <summary>How a job grain puts work items on the work stream (a test may wrap it to hold items back, as a lost message would).</summary>
public interface IShardWorkPublisher
{
    /// <summary>Called inside the job grain's turn; throws when the stream's queue cannot take the item (the grain tries again later).</summary>
    Task PublishAsync(ShardWork work);
}

/// <summary>Publishes to the silo's work stream provider.</summary>
public sealed class StreamShardWorkPublisher(IServiceProvider services) : IShardWorkPublisher
{
    public Task PublishAsync(ShardWork work) =>
        services.GetRequiredKeyedService<IStreamProvider>(WorkStream.Provider).GetStream<ShardWork>(WorkStream.Of(work.JobId)).OnNextAsync(work);
}

/// <summary>A queue outside the cluster that carries its work items (<see cref="AzureWorkQueue"/>, <see cref="EventHubWorkQueue"/>); every silo of a cluster must name the same.</summary>
public abstract record WorkQueue;

/// <summary>
/// An Azure Storage queue that carries the cluster's work items (<c>--work-queue azqueue://ACCOUNT/QUEUE</c>).
/// The connection string holds a key: it never appears in <see cref="ToString"/>.
/// </summary>
public sealed record AzureWorkQueue(string Queue, string ConnectionString) : WorkQueue
{
    public override string ToString() => $"azure queue {Queue}";
}

/// <summary>
/// An Event Hub that carries the cluster's work items (<c>--work-queue eventhub://NAMESPACE/HUB[/CONSUMER_GROUP]</c>),
/// its partitions' checkpoints in Azure Tables. Both connection strings hold keys: neither appears in <see cref="ToString"/>.
/// </summary>
public sealed record EventHubWorkQueue(string Uri, string Hub, string ConsumerGroup, string ConnectionString, string CheckpointConnectionString) : WorkQueue
{
    public override string ToString() => Uri;
}
