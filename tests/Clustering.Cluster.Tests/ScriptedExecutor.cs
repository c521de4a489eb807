using System.Collections.Concurrent;
using System.Security.Cryptography;
using Clustering.Jobs;
using Clustering.Parquet;
using Clustering.Pipeline;
using Clustering.Storage;

namespace Clustering.Cluster.Tests;

/// <summary>
/// A device for grain tests: writes the attempt's object to the job's real output folder (what the publisher then
/// lists, names or removes), and lets a test decide per attempt whether it fails, hangs or takes time.
/// </summary>
internal sealed class ScriptedExecutor(string device) : IShardExecutor
{
    public ConcurrentQueue<(string Job, int Index, int Attempt)> Runs { get; } = new();

    /// <summary>Runs after the object is written, before the outcome returns: may throw (a failed attempt) or wait.</summary>
    public Func<int, int, CancellationToken, Task>? AfterWrite { get; set; }

    public string Device => device;
    public string DeviceKind => "cpu";
    public string? GpuName => null;
    public long GpuMemoryBytes => 0;
    public IReadOnlyCollection<string> LoadedModels => [];

    public async Task<ShardOutcome> RunAsync(string jobId, JobSpec spec, int index, int attempt, string shardSpecJson, Action deviceDone, CancellationToken cancellationToken)
    {
        Runs.Enqueue((jobId, index, attempt));
        var key = OutputLayout.PartKey(index, attempt);
        var bytes = Part(index + 1, $"{jobId}/{index}/a{attempt}");
        var output = new LocalBlobStore(spec.Output);
        await output.WriteAsync(key, new MemoryStream(bytes), WriteCondition.None, cancellationToken);
        deviceDone();
        if (AfterWrite is { } hook) await hook(index, attempt, cancellationToken);
        return new ShardOutcome(key, index + 1, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)), 0, 10L * (index + 1), null);
    }

    /// <summary>A real Parquet part of <paramref name="rows"/> rows with unique ids (the publisher reads the ids to count duplicates).</summary>
    internal static byte[] Part(int rows, string idPrefix)
    {
        var bytes = new MemoryStream();
        using (var writer = new EmbeddingParquetWriter(bytes, 2, VectorType.List, [],
                   new EmbeddingMetadata { ModelId = "scripted", Pooling = "last_token", Normalized = true, Dtype = "float32" }, new ParquetWriteOptions()))
        {
            for (var r = 0; r < rows; r++) writer.Append($"{idPrefix}/{r}", [1f, 0f], 1, false, []);
            writer.Complete();
        }
        return bytes.ToArray();
    }

    public void Dispose()
    {
    }
}
