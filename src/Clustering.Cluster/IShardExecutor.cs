using Clustering.Pipeline;

namespace Clustering.Cluster;

/// <summary>
/// One device's shard runner, made by the host (engines and models are not this project's business): reads,
/// tokenizes, embeds on the device's own thread, writes the attempt's object. The cluster decides what it runs.
/// </summary>
public interface IShardExecutor : IDisposable
{
    /// <summary>"cpu", "cuda:0"...</summary>
    string Device { get; }

    /// <summary>"cpu" or "cuda".</summary>
    string DeviceKind { get; }

    string? GpuName { get; }

    long GpuMemoryBytes { get; }

    /// <summary>Model keys loaded on this device (what affinity compares with a job's model id).</summary>
    IReadOnlyCollection<string> LoadedModels { get; }

    /// <summary>Runs one attempt; <paramref name="deviceDone"/> fires when the device is free for the next shard.</summary>
    Task<ShardOutcome> RunAsync(string jobId, JobSpec spec, int index, int attempt, string shardSpecJson, Action deviceDone, CancellationToken cancellationToken);
}
