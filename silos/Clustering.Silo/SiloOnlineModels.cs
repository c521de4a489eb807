using System.Collections.Concurrent;
using System.Diagnostics;
using Clustering.Cluster;
using Clustering.Hosting;
using Clustering.Inference;
using Microsoft.Extensions.Logging;

namespace Clustering.Silo;

/// <summary>
/// The models this silo serves online (<c>--serve NAME=DIR;...</c>) on its workers' devices, within the memory budget
/// of each device (<c>--serve-memory-mib</c>). A model loads when a request routed here needs it, one copy per worker
/// device, each through its worker's <see cref="DeviceGate"/>: shard passes and online passes take turns on the
/// device, online first. A load that does not fit evicts the least recently used idle models (no request in flight);
/// the model a worker holds for a running job's shards counts against the budget and is never evicted. When even
/// that leaves too little room, the request is answered 503 naming what holds the memory. A failed load answers the
/// request with its error and is tried again on the next one.
/// </summary>
public sealed class SiloOnlineModels(SiloCluster cluster, SiloOptions options, ServingLimits limits, ServingMetrics metrics, ILogger<SiloOnlineModels> log)
    : IOnlineServing, IDisposable
{
    private readonly IReadOnlyDictionary<string, string> _configured = ParseServe(options.Serve);
    private readonly long _budget = options.ServeMemoryMib * 1024L * 1024;
    private readonly string _deviceKind = cluster.Executors.Count > 0 ? cluster.Executors[0].DeviceKind : "cpu";
    // Estimates per model directory: reading a checkpoint's headers once is enough.
    private readonly ConcurrentDictionary<string, long> _footprints = new(StringComparer.Ordinal);
    // Guards _served and every Served's fields: which models are loaded or loading, their use and recency.
    private readonly Lock _sync = new();
    private readonly Dictionary<string, Served> _served = new(StringComparer.Ordinal);

    public string SiloName { get; } = options.ResolvedName;

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

    /// <summary>The names this silo serves (loaded or not).</summary>
    public IReadOnlyCollection<string> Names => [.. _configured.Keys];

    public IReadOnlyList<QueueSnapshot> Queues()
    {
        lock (_sync)
            return [.. _served.Values.Where(s => s.Copies.IsCompletedSuccessfully).SelectMany(s => s.Copies.Result).Select(m => m.Queue())];
    }

    public ServingState State()
    {
        var models = new List<ServedModel>(_configured.Count);
        long used;
        lock (_sync)
        {
            foreach (var name in _configured.Keys.Order(StringComparer.Ordinal))
            {
                var loaded = _served.TryGetValue(name, out var s) && !s.Copies.IsFaulted;
                long queued = 0;
                if (loaded && s!.Copies.IsCompletedSuccessfully)
                    foreach (var copy in s.Copies.Result) queued += copy.Batcher.Depth().Tokens;
                models.Add(new ServedModel(name, loaded ? s!.Bytes : TryFootprint(name), loaded, loaded && s!.Idle, queued));
            }
            used = UsedBytes();
        }
        return new ServingState(SiloName, [.. models], _budget, used);
    }

    public async Task<OnlineAnswer> EmbedHereAsync(OnlineQuery query, CancellationToken cancellationToken)
    {
        try
        {
            if (!_configured.ContainsKey(query.Model))
                throw new OpenAiErrorException(OpenAiError.ModelNotFound(query.Model));
            if (!string.Equals(query.FromSilo, SiloName, StringComparison.Ordinal)) metrics.ServedFor(query.Model, query.FromSilo);
            var served = Acquire(query.Model);
            try
            {
                var copies = await served.Copies.WaitAsync(cancellationToken).ConfigureAwait(false);
                var best = copies[0];
                foreach (var copy in copies)
                    if (copy.Batcher.Depth().Tokens < best.Batcher.Depth().Tokens) best = copy;
                var result = await best.EmbedAsync(OnlineQueries.ToRequest(query), cancellationToken).ConfigureAwait(false);
                return new OnlineAnswer(result.Vectors, result.Count, result.Dimensions, result.PromptTokens, SiloName, null);
            }
            finally
            {
                Release(served);
            }
        }
        catch (OpenAiErrorException e)
        {
            return OnlineAnswer.Failed(OnlineQueries.ToFailure(e.Error, e.RetryAfter), SiloName);
        }
        catch (ClusteringException e)
        {
            // The device refused the work (e.g. one input that does not fit in its memory): say so, without a trace.
            return OnlineAnswer.Failed(OnlineQueries.ToFailure(OpenAiError.Internal(e.Message), null), SiloName);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            return OnlineAnswer.Failed(OnlineQueries.ToFailure(OpenAiError.Internal($"{e.GetType().Name}: {e.Message}"), null), SiloName);
        }
    }

    /// <summary>The model's copies for one request (loading them, after making room, when needed); held until <see cref="Release"/>.</summary>
    private Served Acquire(string name)
    {
        var bytes = Footprint(name);
        List<(string Name, Served Served)> evicted;
        Served served;
        lock (_sync)
        {
            if (_served.TryGetValue(name, out var known) && !known.Copies.IsFaulted)
            {
                known.InFlight++;
                known.LastUsed = Stopwatch.GetTimestamp();
                return known;
            }
            _served.Remove(name);
            evicted = MakeRoom(name, bytes);
            served = new Served(bytes) { InFlight = 1, LastUsed = Stopwatch.GetTimestamp() };
            served.Copies = Task.Run(() => Load(name));
            _served[name] = served;
        }
        foreach (var (victim, copies) in evicted)
        {
            log.LogInformation("online model {Model} evicted from silo {Silo} to make room for {Loading}", victim, SiloName, name);
            metrics.Evicted(victim);
            foreach (var copy in copies.Copies.Result) Unload(copy);
        }
        return served;
    }

    private void Release(Served served)
    {
        lock (_sync)
        {
            served.InFlight--;
            served.LastUsed = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Under <see cref="_sync"/>: the idle models to unload, least recently used first, so that <paramref name="bytes"/> more fit; 503 when they cannot.</summary>
    private List<(string, Served)> MakeRoom(string name, long bytes)
    {
        var victims = new List<(string, Served)>();
        if (_budget <= 0) return victims;
        var used = UsedBytes();
        foreach (var (other, s) in _served.Where(p => p.Value.Idle).OrderBy(p => p.Value.LastUsed).ToList())
        {
            if (used + bytes <= _budget) break;
            victims.Add((other, s));
            used -= s.Bytes;
        }
        if (used + bytes > _budget)
        {
            var busy = _served.Where(p => !p.Value.Idle && !p.Value.Copies.IsFaulted).Select(p => $"{p.Key} ({ModelFootprint.Mib(p.Value.Bytes)}, in use)");
            var jobs = JobModels().Select(p => $"a running job's model {Path.GetFileName(p.Path)} ({ModelFootprint.Mib(p.Bytes)})");
            var holders = string.Join(", ", busy.Concat(jobs));
            throw new OpenAiErrorException(OpenAiError.Unavailable(
                $"No room to load `{name}` on silo {SiloName}: it needs {ModelFootprint.Mib(bytes)} per device, and the online memory budget " +
                $"(--serve-memory-mib {options.ServeMemoryMib}) would have {ModelFootprint.Mib(Math.Max(0, _budget - used))} free even after evicting every idle model" +
                (holders.Length > 0 ? $"; held by: {holders}." : ".") + " Retry later, or serve it from a silo with more memory."),
                TimeSpan.FromSeconds(5));
        }
        foreach (var (victim, _) in victims) _served.Remove(victim);
        return victims;
    }

    /// <summary>Under <see cref="_sync"/>: online models loaded or loading, plus the largest model a worker holds for shards.</summary>
    private long UsedBytes()
    {
        long used = 0;
        foreach (var s in _served.Values)
            if (!s.Copies.IsFaulted) used += s.Bytes;
        return used + JobModels().Select(p => p.Bytes).DefaultIfEmpty(0).Max();
    }

    private IEnumerable<(string Path, long Bytes)> JobModels()
    {
        foreach (var executor in cluster.Executors)
            foreach (var path in executor.LoadedModels)
                yield return (path, FootprintOf(path));
    }

    private long Footprint(string name)
    {
        try
        {
            return FootprintOf(_configured[name]);
        }
        catch (Exception e) when (e is ClusteringException or IOException or UnauthorizedAccessException)
        {
            throw new OpenAiErrorException(OpenAiError.Internal($"{name} could not be loaded: {e.Message}"));
        }
    }

    /// <summary>For the state others route by: 0 when the directory cannot be read (a request then reports why).</summary>
    private long TryFootprint(string name)
    {
        try
        {
            return FootprintOf(_configured[name]);
        }
        catch (Exception e) when (e is ClusteringException or IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private long FootprintOf(string directory) => _footprints.GetOrAdd(directory, d => ModelFootprint.Estimate(d, _deviceKind));

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
        log.LogInformation("online model {Model} loaded on silo {Silo} ({Bytes} per device)", name, SiloName, ModelFootprint.Mib(copies.Length > 0 ? FootprintOf(_configured[name]) : 0));
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
            foreach (var served in _served.Values.Where(s => s.Copies.IsCompletedSuccessfully))
                foreach (var copy in served.Copies.Result) Unload(copy);
            _served.Clear();
        }
    }

    /// <summary>A model loaded (or loading) here: its copies, its estimated bytes per device, the requests using it and when it was last used.</summary>
    private sealed class Served(long bytes)
    {
        public Task<LocalOnlineModel[]> Copies { get; set; } = Task.FromResult<LocalOnlineModel[]>([]);
        public long Bytes { get; } = bytes;
        public int InFlight { get; set; }
        public long LastUsed { get; set; }

        /// <summary>Loaded and used by no request: may be evicted.</summary>
        public bool Idle => InFlight == 0 && Copies.IsCompletedSuccessfully;
    }
}
