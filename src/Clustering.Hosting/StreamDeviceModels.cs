using Clustering.Inference;

namespace Clustering.Hosting;

/// <summary>
/// The models a silo embeds stream windows with, on the silo's own devices: one copy per model key (directory and
/// every option that changes outputs), loaded on first use on the next device in turn, through that device's gate,
/// so a window's passes take turns with the device worker's shard passes and online requests instead of competing.
/// A failed load is forgotten, so the next window tries again (the job shows the error meanwhile).
/// </summary>
public sealed class StreamDeviceModels(IReadOnlyList<ModelShardExecutor> devices) : IDisposable
{
    // Guards _models: loads in progress or done, per model key.
    private readonly Lock _sync = new();
    private readonly Dictionary<string, Lazy<EmbeddingModel>> _models = new(StringComparer.Ordinal);

    public EmbeddingModel For(JobSpec spec)
    {
        var key = ModelCache.KeyOf(spec);
        Lazy<EmbeddingModel> model;
        lock (_sync)
        {
            if (!_models.TryGetValue(key, out model!))
            {
                if (devices.Count == 0) throw new ClusteringException("stream windows: this silo has no devices to embed on (--devices)");
                var device = devices[_models.Count % devices.Count];
                model = new Lazy<EmbeddingModel>(() => EngineFactory.Load(spec, device.Device, device.Threads, device.Gate));
                _models[key] = model;
            }
        }
        try
        {
            return model.Value;
        }
        catch
        {
            lock (_sync)
                if (_models.TryGetValue(key, out var known) && known == model) _models.Remove(key);
            throw;
        }
    }

    public void Dispose()
    {
        lock (_sync)
        {
            foreach (var model in _models.Values.Where(m => m.IsValueCreated)) model.Value.Dispose();
            _models.Clear();
        }
    }
}
