namespace Clustering.Cluster;

/// <summary>A shard of a job and the attempt a worker holds it under.</summary>
[GenerateSerializer, Immutable, Alias("clustering.shard-attempt")]
public readonly record struct ShardAttempt([property: Id(0)] int Index, [property: Id(1)] int Attempt);
