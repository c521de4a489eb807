using Orleans.Concurrency;

namespace Clustering.Cluster;

/// <summary>
/// The addressable face of one device (key: the worker id, which names its silo), placed on the silo that owns the
/// device. It only passes messages to the silo's device host: the forward pass never runs in a grain turn.
/// </summary>
[Alias("clustering.worker")]
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>Ask for work now instead of at the next idle check.</summary>
    [Alias("wake"), OneWay]
    Task Wake();

    /// <summary>Stop working on the job's shards (it was cancelled); their commits would be refused anyway.</summary>
    [Alias("abandon"), OneWay]
    Task Abandon(string jobId);

    /// <summary>
    /// The job's shards this device has in hand, as (index, attempt): a job grain asks so that a lease the store holds
    /// for a worker that never got it (the offer's answer was lost, its grain's silo died mid-call) goes back.
    /// </summary>
    [Alias("holds")]
    Task<ShardAttempt[]> Holds(string jobId);
}
