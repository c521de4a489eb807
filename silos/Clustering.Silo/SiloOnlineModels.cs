using Clustering.Hosting;
using Clustering.Inference;

namespace Clustering.Silo;

/// <summary>
/// The models this silo serves online (<c>--serve NAME=DIR;...</c>) on its workers' devices. A model loads on first
/// request, one copy per worker device, each through its worker's <see cref="DeviceGate"/>: the worker's shard
/// passes and the online passes take turns on the device, online first, batch work filling the rest. A request
/// goes to the copy with the fewest tokens waiting. A failed load answers the request with its error and is tried
/// again on the next one.
/// </summary>
public sealed class SiloOnlineModels(SiloCluster cluster, SiloOptions options, ServingLimits limits, ServingMetrics metrics) : IOnlineModels, IDisposable
{
    private readonly IReadOnlyDictionary<string, string> _configured = ParseServe(options.Serve);
    // Guards _loaded: the loads in progress or done, per model name.
    private readonly Lock _sync = new();
    private readonly Dictionary<string, Task<LocalOnlineModel[]>> _loaded = new(StringComparer.Ordinal);

    /// <summary>NAME=DIR pairs (a bare DIR is named by its folder), ';'-separated; the names must differ.</summary>
    public static IReadOnlyDictionary<string, string> ParseServe(string? serve)
    {
        var models = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in (serve ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=');
            var directory = equals < 0 ? part : part[(equals + 1)..].Trim();
            var name = equals < 0 ? Path.GetFileName(Path.TrimEndingDirectorySeparator(directory)) : part[..equals].Trim();
            if (name.Length == 0 || directory.Length == 0) throw new ClusteringException($"--serve: '{part}' is not NAME=DIR or DIR");
            if (!Path.IsPathFullyQualified(directory)) throw new ClusteringException($"--serve: '{directory}' is not an absolute path");
            if (!models.TryAdd(name, directory)) throw new ClusteringException($"--serve: the name '{name}' is given twice");
        }
        return models;
    }

    public IReadOnlyList<string> Names() => [.. _configured.Keys.Order(StringComparer.Ordinal)];

    public IOnlineModel? Find(string name) => _configured.ContainsKey(name) ? new Route(this, name) : null;

    public IReadOnlyList<QueueSnapshot> Queues()
    {
        lock (_sync)
            return [.. _loaded.Values.Where(t => t.IsCompletedSuccessfully).SelectMany(t => t.Result).Select(m => m.Queue())];
    }

    private Task<LocalOnlineModel[]> Copies(string name)
    {
        lock (_sync)
        {
            if (_loaded.TryGetValue(name, out var known) && !known.IsFaulted) return known;
            var loading = Task.Run(() => Load(name));
            _loaded[name] = loading;
            return loading;
        }
    }

    private LocalOnlineModel[] Load(string name)
    {
        var workers = cluster.Executors;
        if (workers.Count == 0) throw new OpenAiErrorException(OpenAiError.Unavailable("The silo has no devices to serve on."), TimeSpan.FromSeconds(1));
        var copies = new LocalOnlineModel[workers.Count];
        try
        {
            Parallel.For(0, workers.Count, i =>
            {
                var worker = workers[i];
                var model = EngineFactory.LoadModel(_configured[name], new EmbeddingOptions(), worker.Device, worker.Threads, worker.Gate);
                copies[i] = new LocalOnlineModel(name, model, limits, metrics);
            });
        }
        catch (AggregateException e)
        {
            foreach (var copy in copies) Unload(copy);
            var first = e.InnerExceptions[0];
            throw first is ClusteringException
                ? new OpenAiErrorException(OpenAiError.Internal($"{name} could not be loaded: {first.Message}"))
                : first;
        }
        return copies;
    }

    private static void Unload(LocalOnlineModel? copy)
    {
        if (copy is null) return;
        copy.Dispose();
        copy.Model.Dispose();
    }

    public void Dispose()
    {
        lock (_sync)
        {
            foreach (var loading in _loaded.Values.Where(t => t.IsCompletedSuccessfully))
                foreach (var copy in loading.Result) Unload(copy);
            _loaded.Clear();
        }
    }

    /// <summary>A served name: loads its copies when first asked, then sends each request to the least busy one.</summary>
    private sealed class Route(SiloOnlineModels owner, string name) : IOnlineModel
    {
        public string Name => name;

        public async Task<EmbeddingsResult> EmbedAsync(EmbeddingsRequest request, CancellationToken cancellationToken)
        {
            var copies = await owner.Copies(name).WaitAsync(cancellationToken).ConfigureAwait(false);
            var best = copies[0];
            foreach (var copy in copies)
                if (copy.Batcher.Depth().Tokens < best.Batcher.Depth().Tokens) best = copy;
            return await best.EmbedAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }
}
