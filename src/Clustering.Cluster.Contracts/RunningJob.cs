namespace Clustering.Cluster;

/// <summary>A job that has shards to offer, as the directory lists it for workers choosing where to ask.</summary>
[GenerateSerializer, Immutable, Alias("clustering.running-job")]
public sealed record RunningJob(
    [property: Id(0)] string Id,
    [property: Id(1)] string ModelId,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] string? RequiredDeviceKind,
    [property: Id(4)] long? MinGpuMemoryBytes);
