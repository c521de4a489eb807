namespace Clustering.Cluster;

/// <summary>
/// A worker (one device of one silo) as it presents itself when it asks for work: its id (the lease owner, which
/// names its silo), its device and what it has loaded and done. Sent with every request, so whoever keeps a list of
/// workers needs no separate registration or heartbeat.
/// </summary>
[GenerateSerializer, Immutable, Alias("clustering.worker-info")]
public sealed record WorkerInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string SiloName,
    [property: Id(2)] string Device,
    [property: Id(3)] string DeviceKind,
    [property: Id(4)] string? GpuName,
    [property: Id(5)] long GpuMemoryBytes,
    [property: Id(6)] string[] ModelsLoaded,
    [property: Id(7)] long Documents,
    [property: Id(8)] long Tokens,
    [property: Id(9)] int ShardsInHand);
