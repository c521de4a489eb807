using Clustering.Cluster;
using Clustering.Corpus;
using Clustering.Inference;
using Clustering.Pipeline;
using Clustering.Storage;

namespace Clustering.Hosting;

/// <summary>
/// One device's shard runner for the cluster's <see cref="DeviceWorker"/>: keeps the job's model loaded on the device
/// (one model at a time) and runs a shard through the <see cref="ShardProcessor"/>, whose device loop is a thread of
/// its own, never a grain turn. The worker calls <see cref="RunAsync"/> one shard at a time up to the device's end
/// (a second may be writing its Parquet tail), so the model cache needs no lock.
/// </summary>
public sealed class ModelShardExecutor(WorkerDevice device, int threads, InputStores inputs, Func<string, IBlobStore> outputs, JobProgress progress,
    string? tempFolder = null) : IShardExecutor
{
    private readonly ModelCache _models = new(device.Device, threads, null);

    public string Device => device.Device;

    public string DeviceKind => device.Kind;

    public string? GpuName => device.GpuName;

    public long GpuMemoryBytes => device.GpuMemoryBytes;

    /// <summary>Engine threads (0: all cores), for online models loaded beside the shards' model.</summary>
    public int Threads => threads;

    /// <summary>The device's gate: shard passes at batch priority, online requests on the same device first.</summary>
    public DeviceGate Gate => _models.Gate;

    public IReadOnlyCollection<string> LoadedModels => _models.Loaded;

    /// <summary>Loads the model a job needs before its first shard (an embedded run does it while the corpus is planned).</summary>
    public void Preload(JobSpec spec) => _models.Get(spec);

    public async Task<ShardOutcome> RunAsync(string jobId, JobSpec spec, int index, int attempt, string shardSpecJson, Action deviceDone,
        CancellationToken cancellationToken)
    {
        // Off the caller's context before the (possibly long) model load, so nothing that calls us is ever held up.
        await Task.Yield();
        var model = _models.Get(spec);
        var processor = new ShardProcessor(model, inputs, progress, tempFolder: tempFolder);
        return await processor.ProcessAsync(new JobContext(jobId, spec, outputs(spec.Output)), index, attempt, JobPlanner.ReadShardSpec(shardSpecJson),
            cancellationToken, deviceDone).ConfigureAwait(false);
    }

    public void Dispose() => _models.Dispose();
}
