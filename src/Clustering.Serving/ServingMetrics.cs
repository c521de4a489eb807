using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Clustering.Serving;

/// <summary>
/// The online API's Prometheus metrics: requests by model and status, request latency, inputs and tokens, the
/// batches the device ran (sequences and tokens per pass), and, read at scrape time from the served models, queue
/// depth and device time by priority. The silo appends them to its /metrics; <c>embedctl serve</c> serves them alone.
/// </summary>
public sealed class ServingMetrics
{
    private static readonly double[] SecondsBounds = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30];
    private static readonly double[] SequenceBounds = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
    private static readonly double[] TokenBounds = [16, 64, 256, 1024, 4096, 16384, 65536, 262144];

    private readonly ConcurrentDictionary<(string Model, int Status), long[]> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _latency = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Model, string Silo), long[]> _forwarded = new();
    private readonly ConcurrentDictionary<(string Model, string Silo), long[]> _servedFor = new();
    private readonly ConcurrentDictionary<string, long[]> _evicted = new(StringComparer.Ordinal);
    private long _inputs;
    private long _tokens;

    public Histogram BatchSequences { get; } = new(SequenceBounds);
    public Histogram BatchTokens { get; } = new(TokenBounds);

    public void Request(string model, int status, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _requests.GetOrAdd((model, status), static _ => new long[1])[0]);
        _latency.GetOrAdd(model, static _ => new Histogram(SecondsBounds)).Observe(elapsed.TotalSeconds);
    }

    public void Embedded(int inputs, long tokens)
    {
        Interlocked.Add(ref _inputs, inputs);
        Interlocked.Add(ref _tokens, tokens);
    }

    /// <summary>A request this process received and another silo embedded (cluster routing).</summary>
    public void Forwarded(string model, string silo) => Interlocked.Increment(ref _forwarded.GetOrAdd((model, silo), static _ => new long[1])[0]);

    /// <summary>A request another silo received and this process embedded.</summary>
    public void ServedFor(string model, string silo) => Interlocked.Increment(ref _servedFor.GetOrAdd((model, silo), static _ => new long[1])[0]);

    /// <summary>A model unloaded to make room for another within the memory budget.</summary>
    public void Evicted(string model) => Interlocked.Increment(ref _evicted.GetOrAdd(model, static _ => new long[1])[0]);

    public void Pass(int sequences, int tokens)
    {
        BatchSequences.Observe(sequences);
        BatchTokens.Observe(tokens);
    }

    public void Render(StringBuilder text, IOnlineModels models)
    {
        Header(text, "clustering_embeddings_requests_total", "counter", "POST /v1/embeddings requests by model and HTTP status.");
        foreach (var ((model, status), count) in _requests.OrderBy(r => r.Key.Model, StringComparer.Ordinal).ThenBy(r => r.Key.Status))
            Line(text, "clustering_embeddings_requests_total", $"model=\"{Escape(model)}\",status=\"{status}\"", Interlocked.Read(ref count[0]));
        Header(text, "clustering_embeddings_request_seconds", "histogram", "Time from a request's arrival to its answer, by model.");
        foreach (var (model, histogram) in _latency.OrderBy(h => h.Key, StringComparer.Ordinal))
            histogram.Render(text, "clustering_embeddings_request_seconds", $"model=\"{Escape(model)}\"");
        Header(text, "clustering_embeddings_inputs_total", "counter", "Inputs embedded online.");
        Line(text, "clustering_embeddings_inputs_total", null, Interlocked.Read(ref _inputs));
        Header(text, "clustering_embeddings_tokens_total", "counter", "Tokens embedded online.");
        Line(text, "clustering_embeddings_tokens_total", null, Interlocked.Read(ref _tokens));
        Header(text, "clustering_embeddings_batch_sequences", "histogram", "Inputs per online forward pass.");
        BatchSequences.Render(text, "clustering_embeddings_batch_sequences", "");
        Header(text, "clustering_embeddings_batch_tokens", "histogram", "Tokens per online forward pass.");
        BatchTokens.Render(text, "clustering_embeddings_batch_tokens", "");

        Header(text, "clustering_embeddings_forwarded_total", "counter", "Requests received here and embedded by another silo, by model and that silo.");
        foreach (var ((model, silo), count) in _forwarded.OrderBy(r => r.Key.Model, StringComparer.Ordinal).ThenBy(r => r.Key.Silo, StringComparer.Ordinal))
            Line(text, "clustering_embeddings_forwarded_total", $"model=\"{Escape(model)}\",silo=\"{Escape(silo)}\"", Interlocked.Read(ref count[0]));
        Header(text, "clustering_embeddings_served_for_total", "counter", "Requests another silo received and this one embedded, by model and that silo.");
        foreach (var ((model, silo), count) in _servedFor.OrderBy(r => r.Key.Model, StringComparer.Ordinal).ThenBy(r => r.Key.Silo, StringComparer.Ordinal))
            Line(text, "clustering_embeddings_served_for_total", $"model=\"{Escape(model)}\",silo=\"{Escape(silo)}\"", Interlocked.Read(ref count[0]));
        Header(text, "clustering_online_evictions_total", "counter", "Online models unloaded to make room for another within the memory budget.");
        foreach (var (model, count) in _evicted.OrderBy(r => r.Key, StringComparer.Ordinal))
            Line(text, "clustering_online_evictions_total", $"model=\"{Escape(model)}\"", Interlocked.Read(ref count[0]));

        var queues = models.Queues();
        Header(text, "clustering_embeddings_queue_requests", "gauge", "Requests waiting for the device, per model and device.");
        foreach (var q in queues) Line(text, "clustering_embeddings_queue_requests", QueueLabels(q), q.Requests);
        Header(text, "clustering_embeddings_queue_tokens", "gauge", "Tokens waiting for the device, per model and device.");
        foreach (var q in queues) Line(text, "clustering_embeddings_queue_tokens", QueueLabels(q), q.Tokens);
        Header(text, "clustering_embeddings_rejected_total", "counter", "Requests refused with 429 because the queue was full.");
        foreach (var q in queues) Line(text, "clustering_embeddings_rejected_total", QueueLabels(q), q.Rejected);
        Header(text, "clustering_device_passes_total", "counter", "Forward passes on a device, by priority (online, batch).");
        foreach (var q in queues)
        {
            Line(text, "clustering_device_passes_total", QueueLabels(q) + ",priority=\"online\"", q.Gate.OnlinePasses);
            Line(text, "clustering_device_passes_total", QueueLabels(q) + ",priority=\"batch\"", q.Gate.BatchPasses);
        }
        Header(text, "clustering_device_seconds_total", "counter", "Seconds a device spent in forward passes, by priority.");
        foreach (var q in queues)
        {
            Line(text, "clustering_device_seconds_total", QueueLabels(q) + ",priority=\"online\"", q.Gate.OnlineSeconds);
            Line(text, "clustering_device_seconds_total", QueueLabels(q) + ",priority=\"batch\"", q.Gate.BatchSeconds);
        }
    }

    private static string QueueLabels(QueueSnapshot q) => $"model=\"{Escape(q.Model)}\",device=\"{Escape(q.Device)}\"";

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Line(StringBuilder text, string name, string? labels, long value) =>
        Line(text, name, labels, value.ToString(CultureInfo.InvariantCulture));

    private static void Line(StringBuilder text, string name, string? labels, double value) =>
        Line(text, name, labels, value.ToString("R", CultureInfo.InvariantCulture));

    private static void Line(StringBuilder text, string name, string? labels, string value)
    {
        text.Append(name);
        if (labels is not null) text.Append('{').Append(labels).Append('}');
        text.Append(' ').Append(value).Append('\n');
    }

    // Prometheus label values escape backslash, double quote and newline.
    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}

/// <summary>One online queue (a model on a device) at scrape time, with its device's gate.</summary>
public sealed record QueueSnapshot(string Model, string Device, int Requests, long Tokens, long Rejected, Inference.DeviceGateSnapshot Gate);
