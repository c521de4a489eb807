using Orleans.Concurrency;

namespace Clustering.Cluster;

/// <summary>
/// The coordinator of one job (key: the job id). Its record is the job's row and shard rows in the store, so any
/// silo can activate it and continue: it plans a pending job, offers shards to workers that ask, fences commits,
/// retries failed shards with backoff, takes shards back from workers whose silo left the cluster, completes and
/// publishes the job, and cancels it.
/// </summary>
[Alias("clustering.job")]
public interface IJobGrain : IGrainWithStringKey
{
    /// <summary>Activates the grain for a job the store holds (submitted, resumed); plans it when pending. Idempotent.</summary>
    [Alias("start")]
    Task Start();

    /// <summary>One shard for this worker, or null when none is due (or the job does not run, or the worker cannot serve it).</summary>
    [Alias("offer")]
    Task<ShardLease?> Offer(WorkerInfo worker);

    /// <summary>The fenced commit: true when the attempt still held the shard (or this exact commit was already made).</summary>
    [Alias("commit")]
    Task<bool> Commit(ShardResult result);

    /// <summary>A failed attempt: the shard retries after a backoff, or fails for good after max attempts; or nothing, when fenced out.</summary>
    [Alias("fail")]
    Task<FailedAttempt> Fail(string workerId, int index, int attempt, string reason);

    /// <summary>A graceful give-back (shutdown): the shard is pending again at once, not counted as a failure.</summary>
    [Alias("release")]
    Task<bool> Release(string workerId, int index, int attempt);

    /// <summary>Cancels a job that has not ended; false when it has. Workers holding its shards are told to drop them.</summary>
    [Alias("cancel")]
    Task<bool> Cancel(string reason);

    /// <summary>
    /// Waits up to <paramref name="wait"/> for the job to end and be published; returns its state's name ("running"
    /// etc. when the wait ran out). Interleaves with other calls, so waiting blocks nothing.
    /// </summary>
    [Alias("wait"), AlwaysInterleave]
    Task<string> WaitForEnd(TimeSpan wait);

    /// <summary>What this activation received from the work stream: distinct shards, duplicates dropped, pending shards still undelivered.</summary>
    [Alias("deliveries"), AlwaysInterleave]
    Task<WorkDeliveries> Deliveries();
}
