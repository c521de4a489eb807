using Clustering.Inference;

namespace Clustering.Hosting;

/// <summary>
/// The one model a worker keeps loaded, keyed by model directory and every option that changes its outputs or
/// buffers. A job with another key unloads it first: a worker's memory holds one model copy, never two.
/// Owned by its worker's loop; not thread-safe. Models load with the device's <paramref name="gate"/> (the worker's),
/// so online models on the same device take turns with the shards' passes.
/// </summary>
internal sealed class ModelCache(string device, int threads, DeviceGate? gate = null) : IDisposable
{
    /// <summary>The device's gate every model loaded here goes through.</summary>
    public DeviceGate Gate { get; } = gate ?? new DeviceGate();

    private string? _key;
    private EmbeddingModel? _model;

    /// <summary>Model directories loaded now, for the store's model affinity.</summary>
    public IReadOnlyCollection<string> Loaded => _model is null ? [] : [_model.ModelPath];

    public EmbeddingModel Get(JobSpec spec)
    {
        var key = KeyOf(spec);
        if (_model is not null && _key == key) return _model;
        _model?.Dispose();
        _model = null;
        _model = EngineFactory.Load(spec, device, threads, Gate);
        _key = key;
        return _model;
    }

    /// <summary>Model affinity compares model paths; a job names its model as given, so compare full paths.</summary>
    public static string ModelKeyOf(JobSpec spec) => Path.GetFullPath(spec.Model);

    // Chunking cuts texts before the engine sees them, so jobs that differ only in it share the loaded model.
    internal static string KeyOf(JobSpec spec) => $"{ModelKeyOf(spec)}|{spec.Embed with { ChunkTokens = null, ChunkOverlap = null }}";

    public void Dispose()
    {
        _model?.Dispose();
        _model = null;
    }
}
