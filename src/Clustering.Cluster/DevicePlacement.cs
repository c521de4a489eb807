using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Clustering.Cluster;

/// <summary>Places a worker grain on the silo its key names (the silo that owns the device).</summary>
[GenerateSerializer, Immutable, Alias("clustering.device-placement")]
public sealed class DevicePlacement : PlacementStrategy
{
    internal static readonly DevicePlacement Instance = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class DevicePlacementAttribute() : PlacementAttribute(DevicePlacement.Instance);

/// <summary>
/// Reads the silo from the worker id in the grain's key. A device whose silo is gone has no place: the call fails,
/// which is right (nobody can run on that device any more).
/// </summary>
internal sealed class DevicePlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString()!;
        var silo = WorkerIds.SiloOf(key) ?? throw new OrleansException($"worker grain {key}: the key names no silo");
        if (!context.GetCompatibleSilos(target).Contains(silo))
            throw new OrleansException($"worker grain {key}: its silo is not in the cluster");
        return Task.FromResult(silo);
    }
}
