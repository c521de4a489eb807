namespace Clustering.Cluster;

/// <summary>
/// A shard a job grain handed to a worker: which attempt it holds (the fencing generation its output object is named
/// with and its commit must present) and everything needed to run it without another call.
/// </summary>
[GenerateSerializer, Immutable, Alias("clustering.shard-lease")]
public sealed record ShardLease(
    [property: Id(0)] string JobId,
    [property: Id(1)] int Index,
    [property: Id(2)] int Attempt,
    [property: Id(3)] string ShardSpecJson,
    [property: Id(4)] string JobSpecJson);
