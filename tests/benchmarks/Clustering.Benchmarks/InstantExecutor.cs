using Clustering.Cluster;
using Clustering.Jobs;
using Clustering.Parquet;
using Clustering.Pipeline;
using Clustering.Storage;

namespace Clustering.Benchmarks;

/// <summary>
/// A simulated device for the cluster benchmark: no model, no input; each attempt writes a one-row Parquet part under
/// the attempt's name (the publisher checks that every committed object exists and reads its ids) and is done. What is left is the
/// cluster's own cost per shard: offer, lease row, commit row, the grain calls between them.
/// </summary>
internal sealed class InstantExecutor(string device) : IShardExecutor
{
    private static readonly string Checksum = new('0', 64);

    public string Device => device;
    public string DeviceKind => "cpu";
    public string? GpuName => null;
    public long GpuMemoryBytes => 0;
    public IReadOnlyCollection<string> LoadedModels => [];

    /// <summary>How long each shard keeps the device (the kill phase gives workers shards to be holding).</summary>
    public TimeSpan Hold { get; set; }

    /// <summary>
    /// Set on a silo about to be killed: its shards never finish and ignore cancellation, as on a process killed with
    /// -9 (TestingHost's kill still stops the silo with a cancelled token; a device that obeyed would release them).
    /// </summary>
    public Task? Freeze { get; set; }

    public async Task<ShardOutcome> RunAsync(string jobId, JobSpec spec, int index, int attempt, string shardSpecJson, Action deviceDone, CancellationToken cancellationToken)
    {
        if (Hold > TimeSpan.Zero) await Task.Delay(Hold, CancellationToken.None).ConfigureAwait(false);
        if (Freeze is { } frozen) await frozen.ConfigureAwait(false);
        var key = OutputLayout.PartKey(index, attempt);
        var bytes = OneRowPart($"{jobId}/{index}");
        await new LocalBlobStore(spec.Output).WriteAsync(key, new MemoryStream(bytes), WriteCondition.None, cancellationToken).ConfigureAwait(false);
        deviceDone();
        return new ShardOutcome(key, 1, bytes.Length, Checksum, 0, 180, null);
    }

    private static byte[] OneRowPart(string id)
    {
        var bytes = new MemoryStream();
        using (var writer = new EmbeddingParquetWriter(bytes, 2, VectorType.List, [],
                   new EmbeddingMetadata { ModelId = "instant", Pooling = "last_token", Normalized = true, Dtype = "float32" }, new ParquetWriteOptions()))
        {
            writer.Append(id, [1f, 0f], 1, false, []);
            writer.Complete();
        }
        return bytes.ToArray();
    }

    public void Dispose()
    {
    }
}
