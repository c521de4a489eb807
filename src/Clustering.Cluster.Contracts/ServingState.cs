namespace Clustering.Cluster;

/// <summary>
/// What one silo serves online: its models, the memory budget each of its devices has for them, and what is used of
/// it (by loaded online models and by the model a worker holds for its shards). Routing decisions are made from it.
/// </summary>
[GenerateSerializer, Immutable, Alias("clustering.serving-state")]
public sealed record ServingState(
    [property: Id(0)] string SiloName,
    [property: Id(1)] ServedModel[] Models,
    [property: Id(2)] long BudgetBytes,
    [property: Id(3)] long UsedBytes)
{
    /// <summary>No budget: models load as long as the device has memory.</summary>
    public bool Unbounded => BudgetBytes <= 0;

    public long FreeBytes => Unbounded ? long.MaxValue : Math.Max(0, BudgetBytes - UsedBytes);

    /// <summary>What could be made free: the free bytes and the loaded models nobody is using now (evicted least recently used first).</summary>
    public long ReclaimableBytes => Unbounded ? long.MaxValue : FreeBytes + Models.Where(m => m.Loaded && m.Evictable).Sum(m => m.Bytes);

    public ServedModel? Find(string name) => Array.Find(Models, m => string.Equals(m.Name, name, StringComparison.Ordinal));
}

/// <summary>
/// A model a silo is configured to serve: its estimated bytes per device, whether it is loaded (or loading), whether
/// it could be evicted now (loaded, no request in flight), and the tokens queued on it.
/// </summary>
[GenerateSerializer, Immutable, Alias("clustering.served-model")]
public sealed record ServedModel(
    [property: Id(0)] string Name,
    [property: Id(1)] long Bytes,
    [property: Id(2)] bool Loaded,
    [property: Id(3)] bool Evictable,
    [property: Id(4)] long QueuedTokens);
