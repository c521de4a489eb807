using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Clustering.Cluster;
using Clustering.Cluster.Streaming;
using Clustering.Hosting;
using Clustering.Inference;
using Clustering.Pipeline.Streaming;
using Clustering.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;

namespace Clustering.Benchmarks;

/// <summary>
/// One in-process silo with stream jobs on a memory stream (the stream benchmark's system under test): publishes a set
/// of events, watches the job's status and records when each event's window was committed.
/// </summary>
internal sealed class StreamBenchmarkHost : IDisposable
{
    private const string Source = "memory://bench";
    // Status is polled this often: the latency figures are at most this late.
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(5);

    private readonly IHost _host;
    private readonly string _work;
    private readonly EngineChoice _engine;

    private StreamBenchmarkHost(IHost host, string work, EngineChoice engine)
    {
        _host = host;
        _work = work;
        _engine = engine;
    }

    /// <summary>The model and how it runs, the same for the stream job and its batch peer.</summary>
    internal sealed record EngineChoice(string Model, string Device, int Threads, int BatchTokens, int MaxLength)
    {
        public JobSpec Spec(string output) => new()
        {
            Inputs = ["stream"], Model = Model, Output = output,
            Embed = new EmbeddingOptions { Device = Device, Threads = Threads, BatchTokens = BatchTokens, MaxLength = MaxLength },
        };
    }

    private IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    internal sealed record EventSet(List<string> Texts);

    internal sealed record Result(double Seconds, long Windows, double P50, double P99, double Max);

    /// <summary>The texts of tests/fixtures/corpus/sample.jsonl, cycled, each made distinct (a repeated text would be dropped as a redelivery).</summary>
    public static EventSet Events(int count, string prefix)
    {
        var texts = new List<string>();
        foreach (var line in File.ReadLines(Path.Combine(RepoRoot(), "tests", "fixtures", "corpus", "sample.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String && t.GetString()!.Length > 0) texts.Add(t.GetString()!);
        }
        var events = new List<string>(count);
        for (var i = 0; i < count; i++)
            events.Add(JsonSerializer.Serialize(new { id = $"{prefix}{i}", text = $"{texts[i % texts.Count]} ({prefix}{i})" }));
        return new EventSet(events);
    }

    /// <summary>The checkout this program was built in, else the current folder if it is one (a published copy run from
    /// a checkout, as on the GPU machine).</summary>
    public static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Clustering.sln"))) d = d.Parent;
        if (d is not null) return d.FullName;
        if (File.Exists("Clustering.sln")) return Directory.GetCurrentDirectory();
        throw new InvalidOperationException("repository root not found: run from a checkout of the project");
    }

    public static async Task<StreamBenchmarkHost> StartAsync(EngineChoice engine, string work)
    {
        var catalog = new LocalBlobStore(Directory.CreateDirectory(Path.Combine(work, "catalog")).FullName);
        var loaded = new Lazy<EmbeddingModel>(() => EngineFactory.Load(engine.Spec(""), engine.Device, engine.Threads));
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddFilter(_ => false);
        builder.UseOrleans(silo =>
        {
            var id = $"stream-bench-{Environment.ProcessId}";
            silo.UseLocalhostClustering(siloPort: FreeLoopbackPort(), gatewayPort: 0, serviceId: id, clusterId: id);
            silo.AddEmbeddingStreams(new StreamServices
            {
                Catalog = catalog,
                Outputs = location => new LocalBlobStore(Directory.CreateDirectory(location).FullName),
                Windows = new StreamWindowWriter(_ => loaded.Value, work),
                Tick = TimeSpan.FromMilliseconds(50),
            });
            silo.AddMemoryDocumentSource(Source);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new StreamBenchmarkHost(host, work, engine);
    }

    /// <summary>
    /// Creates a job, publishes <paramref name="events"/> (all at once, or at <paramref name="rate"/> events/s), waits for
    /// every event to be committed and deletes the job. Seconds from the first publish to the last commit, and each
    /// event's publish-to-commit latency.
    /// </summary>
    public async Task<Result> RunAsync(string name, EventSet events, int windowDocs, double windowSeconds, double? rate)
    {
        var job = Client.GetGrain<IStreamJobGrain>(name);
        await job.Create(new StreamJobDefinition(name, Source, _engine.Spec(Path.Combine(_work, name)).ToJson(), windowDocs, windowSeconds));
        var stream = Client.GetStreamProvider(Source).GetStream<SourcedEvent>(StreamSource.Parse(Source).StreamId);
        var publishedAt = new long[events.Texts.Count]; // Stopwatch ticks
        var clock = Stopwatch.StartNew();
        var watching = WatchAsync(job, publishedAt, clock);
        var published = 0;
        while (published < events.Texts.Count)
        {
            var due = rate is { } r ? Math.Min(events.Texts.Count, (int)(clock.Elapsed.TotalSeconds * r) + 1) : events.Texts.Count;
            for (var next = Math.Min(due, published + 100); published < due; next = Math.Min(due, published + 100))
            {
                var batch = new List<SourcedEvent>(next - published);
                for (var i = published; i < next; i++) batch.Add(new SourcedEvent(events.Texts[i], $"bench {i}"));
                var at = clock.ElapsedTicks;
                for (var i = published; i < next; i++) publishedAt[i] = at;
                await stream.OnNextBatchAsync(batch);
                published = next;
            }
            if (rate is not null) await Task.Delay(10);
        }
        var (seconds, latencies) = await watching;
        var windows = (await job.Status()).CommittedWindows;
        await job.Delete();
        Array.Sort(latencies);
        return new Result(seconds, windows, Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies[^1]);
    }

    /// <summary>Polls the job: events are committed in the order they were published (one stream, one publisher).</summary>
    private static async Task<(double Seconds, double[] Latencies)> WatchAsync(IStreamJobGrain job, long[] publishedAt, Stopwatch clock)
    {
        var latencies = new double[publishedAt.Length];
        long committed = 0;
        while (committed < publishedAt.Length)
        {
            await Task.Delay(Poll);
            var status = await job.Status();
            if (status.LastError is { } error) throw new InvalidOperationException($"stream job {status.Name}: {error}");
            var now = clock.ElapsedTicks;
            for (var i = committed; i < Math.Min(status.CommittedEvents, publishedAt.Length); i++)
                latencies[i] = (double)(now - publishedAt[i]) / Stopwatch.Frequency;
            committed = Math.Max(committed, status.CommittedEvents);
        }
        return (clock.Elapsed.TotalSeconds, latencies);
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
    }
}
