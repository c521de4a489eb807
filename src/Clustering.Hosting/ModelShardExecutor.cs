using Clustering.Cluster;
using Clustering.Corpus;
using Clustering.Inference;
using Clustering.Jobs;
using Clustering.Pipeline;
using Clustering.Storage;

namespace Clustering.Hosting;

/// <summary>
/// One device's shard runner for the cluster's <see cref="DeviceWorker"/>: loads the job's model on the device (one
/// model at a time, <see cref="ModelCache"/>) and runs the shard through the <see cref="ShardProcessor"/>, whose
/// device loop is its own thread, never a grain turn.
/// </summary>
public sealed class ModelShardExecutor : IShardExecutor
{
    private readonly WorkerDevice _device;
    private readonly InputStores _inputs;
    private readonly Func<string, IBlobStore> _outputs;
    private readonly JobProgress _progress;
    private readonly string? _tempFolder;
    private readonly ModelCache _models;
    // The cache is not thread-safe: a preload (while the corpus is planned) and the worker's first shard may meet,
    // and the next shard may ask for its model while the last one's tail still runs. Waiting for it is asynchronous:
    // a thread blocked here is one the silo's scheduler lacks (two cores give the thread pool two threads to start).
    private readonly SemaphoreSlim _loading = new(1, 1);
    // What the cache holds, for readers that must not wait for a load (the worker's info for offers).
    private volatile IReadOnlyCollection<string> _loaded = [];

    public ModelShardExecutor(WorkerDevice device, int threads, InputStores inputs, Func<string, IBlobStore> outputs, JobProgress progress, string? tempFolder = null)
    {
        _device = device;
        _inputs = inputs;
        _outputs = outputs;
        _progress = progress;
        _tempFolder = tempFolder;
        Threads = threads;
        _models = new ModelCache(device.Device, threads, Gate);
    }

    /// <summary>
    /// The device's gate: shard passes go through it at batch priority, online models a silo loads on this device at
    /// online priority, so queries go first and shards fill the rest.
    /// </summary>
    public DeviceGate Gate { get; } = new();

    /// <summary>Engine threads (0: all cores), for models loaded beside the shards' one.</summary>
    public int Threads { get; }

    public string Device => _device.Device;

    public string DeviceKind => _device.Kind;

    public string? GpuName => _device.GpuName;

    public long GpuMemoryBytes => _device.GpuMemoryBytes;

    public IReadOnlyCollection<string> LoadedModels => _loaded;

    /// <summary>Loads the model <paramref name="spec"/> needs ahead of its first shard (an embedded run does it while planning).</summary>
    public Task PreloadAsync(JobSpec spec) => ModelForAsync(spec);

    public async Task<ShardOutcome> RunAsync(string jobId, JobSpec spec, int index, int attempt, string shardSpecJson, Action deviceDone,
        CancellationToken cancellationToken)
    {
        // Off the caller's thread before a (possibly long) model load: whoever calls us is never held up by it.
        await Task.Yield();
        var model = await ModelForAsync(spec).ConfigureAwait(false);
        var processor = new ShardProcessor(model, _inputs, _progress, tempFolder: _tempFolder);
        var context = new JobContext(jobId, spec, _outputs(spec.Output));
        return await processor.ProcessAsync(context, index, attempt, JobPlanner.ReadShardSpec(shardSpecJson), cancellationToken, deviceDone)
            .ConfigureAwait(false);
    }

    private async Task<EmbeddingModel> ModelForAsync(JobSpec spec)
    {
        await _loading.WaitAsync().ConfigureAwait(false);
        try
        {
            var model = _models.Get(spec);
            _loaded = _models.Loaded;
            return model;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>Called once the silo has stopped (no shard runs) and the preloads are over.</summary>
    public void Dispose()
    {
        _models.Dispose();
        _loading.Dispose();
    }
}
