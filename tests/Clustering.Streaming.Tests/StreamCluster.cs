using Clustering.Cluster;
using Clustering.Cluster.Streaming;
using Clustering.Hosting;
using Clustering.Inference;
using Clustering.Parquet.Tests;
using Clustering.Pipeline.Streaming;
using Clustering.Storage;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Clustering.Streaming.Tests;

/// <summary>
/// An Orleans TestingHost cluster of in-process silos with stream jobs: the catalog and the outputs in a temp folder,
/// windows embedded by the tiny Qwen3 fixture model on one CPU thread (loaded once, shared by the silos).
/// </summary>
internal sealed class StreamCluster : IAsyncDisposable
{
    public required InProcessTestCluster Cluster { get; init; }
    public required string Root { get; init; }

    public IClusterClient Client => Cluster.Client;

    public static string TinyModel => Path.Combine(RepoPaths.Root, "tests", "fixtures", "models", "tiny-qwen3-embedding");

    public static async Task<StreamCluster> StartAsync(short silos, Action<ISiloBuilder> sources, Action<IClientBuilder>? client = null,
        TimeSpan? dedupeHorizon = null)
    {
        var root = Directory.CreateTempSubdirectory("clustering-streams-").FullName;
        var catalog = new LocalBlobStore(Directory.CreateDirectory(Path.Combine(root, "catalog")).FullName);
        var model = new Lazy<EmbeddingModel>(() => EngineFactory.Load(Spec(Path.Combine(root, "unused")), "cpu", 1));
        var windows = new StreamWindowWriter(_ => model.Value, root);
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddEmbeddingStreams(new StreamServices
            {
                Catalog = catalog,
                Outputs = location => new LocalBlobStore(Directory.CreateDirectory(location).FullName),
                Windows = windows,
                Tick = TimeSpan.FromMilliseconds(250),
                DedupeHorizon = dedupeHorizon ?? TimeSpan.FromMinutes(10),
            });
            sources(silo);
            silo.Configure<ClusterMembershipOptions>(ClusterSiloBuilderExtensions.TuneMembership);
        });
        if (client is not null) builder.ConfigureClient(client);
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new StreamCluster { Cluster = cluster, Root = root };
    }

    /// <summary>The job spec of a test stream: the tiny model, kept fields v (the version) and seq (publish order), output under the temp folder.</summary>
    public static JobSpec Spec(string output) => new() { Inputs = ["stream"], Model = TinyModel, Output = output, Input = new CorpusOptions { KeepFields = ["v", "seq"] } };

    public async Task<(IStreamJobGrain Job, string Output)> CreateJobAsync(string name, string source, int windowDocs, double windowSeconds)
    {
        var output = Path.Combine(Root, name);
        var job = Client.GetGrain<IStreamJobGrain>(name);
        await job.Create(new StreamJobDefinition(name, source, Spec(output).ToJson(), windowDocs, windowSeconds));
        return (job, output);
    }

    /// <summary>Waits until the job has committed <paramref name="events"/> events and (unless told otherwise) holds none uncommitted.</summary>
    public static async Task<StreamJobStatus> WaitForCommittedAsync(IStreamJobGrain job, long events, int seconds, bool requireCaughtUp = true)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        StreamJobStatus status;
        do
        {
            await Task.Delay(250);
            try
            {
                status = await job.Status();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                continue; // its silo was just killed; it reactivates on another
            }
            if (status.CommittedEvents >= events && (status.LagEvents == 0 || !requireCaughtUp)) return status;
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"stream job did not commit {events} events within {seconds} s: {await job.Status()}");
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
