using Orleans.Runtime;

namespace Clustering.Cluster;

/// <summary>
/// A worker's id is its silo's address (with the silo's generation, so a restarted silo is another owner) and its
/// device: "10.0.0.5:11111@123456789/cuda:0". It is the lease owner in the shard rows, the worker grain's key, and
/// tells a job grain whose membership to check.
/// </summary>
public static class WorkerIds
{
    public static string Of(SiloAddress silo, string device) => silo.ToParsableString() + "/" + device;

    /// <summary>The silo of a worker id; null when the id is not one of ours (an older store's owner name).</summary>
    public static SiloAddress? SiloOf(string workerId)
    {
        var slash = workerId.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0) return null;
        try
        {
            return SiloAddress.FromParsableString(workerId[..slash]);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
