namespace Clustering.Cluster;

/// <summary>
/// What a reported failed attempt did to its shard (<see cref="IJobGrain.Fail"/>): the worker's silo counts its
/// retries and its shards failed for good from it (/metrics).
/// </summary>
[GenerateSerializer, Alias("clustering.failed-attempt")]
public enum FailedAttempt
{
    /// <summary>The attempt no longer held the shard (taken back, the job ended): nothing changed.</summary>
    FencedOut = 0,

    /// <summary>The shard is pending again, due after its backoff.</summary>
    Retrying = 1,

    /// <summary>The shard failed for good: it had failed the job's max attempts.</summary>
    FailedForGood = 2,
}
