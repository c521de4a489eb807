namespace Clustering.Cluster;

/// <summary>
/// Work items of one job on the work stream: these shards of <see cref="JobId"/> (planned rows) may be offered. Several
/// shards travel in one item so that a job of 100,000 shards is a hundred queue messages, not 100,000. Delivery is at
/// least once: the job grain drops what it has already received, by (job, shard).
/// </summary>
[GenerateSerializer, Immutable, Alias("clustering.shard-work")]
public sealed record ShardWork(
    [property: Id(0)] string JobId,
    [property: Id(1)] int[] Shards);

/// <summary>What a job grain's activation has heard from the work stream (tests, diagnostics).</summary>
[GenerateSerializer, Immutable, Alias("clustering.work-deliveries")]
public sealed record WorkDeliveries(
    [property: Id(0)] int Received,
    [property: Id(1)] int Duplicates,
    [property: Id(2)] int Undelivered,
    [property: Id(3)] int Publications);
