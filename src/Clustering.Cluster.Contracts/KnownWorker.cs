namespace Clustering.Cluster;

/// <summary>A worker as the job directory knows it: what it last said of itself, when it first and last asked for work.</summary>
[GenerateSerializer, Immutable, Alias("clustering.known-worker")]
public sealed record KnownWorker(
    [property: Id(0)] WorkerInfo Info,
    [property: Id(1)] DateTimeOffset FirstSeen,
    [property: Id(2)] DateTimeOffset LastSeen);
