using Clustering.Coordination;
using Clustering.Coordination.Sqlite;
using Clustering.Corpus;
using Clustering.Jobs;
using Clustering.Pipeline;
using Clustering.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Clustering.Cluster.Tests;

/// <summary>
/// An Orleans TestingHost cluster of in-process silos, each an embedding-cluster silo with one scripted device, over
/// one real SQLite store in a temp folder; jobs write into that folder too.
/// </summary>
internal sealed class GrainCluster : IAsyncDisposable
{
    public required InProcessTestCluster Cluster { get; init; }
    public required IClusterStore Store { get; init; }
    public required string Root { get; init; }

    /// <summary>The scripted device of each silo, by silo name.</summary>
    public required Dictionary<string, ScriptedExecutor> Devices { get; init; }

    /// <summary>Each silo's live counters (what embed-silo's /metrics renders), by silo name.</summary>
    public required Dictionary<string, JobProgress> Progress { get; init; }

    public IGrainFactory Grains => Cluster.Client;

    /// <param name="outputs">How a job's output opens (default: the local folder it names).</param>
    /// <param name="work">Wraps each silo's work stream publisher (to hold items back or send them twice).</param>
    /// <param name="workRedelivery">How long job grains wait for their items before publishing them again.</param>
    public static async Task<GrainCluster> StartAsync(short silos, bool devices = true, TimeSpan? backoffBase = null, Func<string, IBlobStore>? outputs = null,
        Func<IShardWorkPublisher, IShardWorkPublisher>? work = null, TimeSpan? workRedelivery = null)
    {
        var root = Directory.CreateTempSubdirectory("clustering-grains-").FullName;
        var store = await SqliteClusterStore.OpenAsync("sqlite:" + Path.Combine(root, "jobs.db"), new ClusterStoreOptions
        {
            Backoff = new RetryBackoff(backoffBase ?? TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2)),
        });
        var executors = new Dictionary<string, ScriptedExecutor>();
        var progress = new Dictionary<string, JobProgress>();
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((options, silo) =>
        {
            IShardExecutor[] mine = [];
            if (devices)
            {
                var executor = new ScriptedExecutor("cpu");
                lock (executors) executors[options.SiloName] = executor;
                mine = [executor];
            }
            var counters = new JobProgress();
            lock (progress) progress[options.SiloName] = counters;
            if (work is not null) silo.Services.AddSingleton(sp => work(new StreamShardWorkPublisher(sp)));
            silo.AddEmbeddingCluster(new ClusterServices
            {
                Store = store,
                Inputs = new InputStores(),
                Outputs = outputs ?? (location => new LocalBlobStore(location)),
                Devices = mine,
                Progress = counters,
                SiloName = options.SiloName,
                IdleCheck = TimeSpan.FromMilliseconds(200),
                OwnerCheck = TimeSpan.FromMilliseconds(500),
                WorkRedelivery = workRedelivery ?? TimeSpan.FromSeconds(30),
            });
            silo.Configure<ClusterMembershipOptions>(ClusterSiloBuilderExtensions.TuneMembership);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new GrainCluster { Cluster = cluster, Store = store, Root = root, Devices = executors, Progress = progress };
    }

    /// <summary>Creates a job of <paramref name="shards"/> shards straight in the store (planned), output under the temp folder.</summary>
    public async Task<(string Id, string Output)> CreateJobAsync(string id, int shards, int maxAttempts = 3, int allowedFailedShards = 0)
    {
        var output = Path.Combine(Root, id);
        Directory.CreateDirectory(output);
        var spec = new JobSpec { Inputs = ["/nonexistent/input.jsonl"], Model = RepoPaths.TinyModel, Output = output, MaxAttempts = maxAttempts };
        await Store.CreateJobAsync(new NewJob(id, spec.ToJson(), RepoPaths.TinyModel, output, maxAttempts, allowedFailedShards),
            EmptyShards(shards));
        return (id, output);
    }

    /// <summary>
    /// Rows of <paramref name="shards"/> shards that read nothing (the scripted executors make their own bytes), written
    /// as the planner writes every plan: the publisher reads shard rows back as plans.
    /// </summary>
    public static IReadOnlyList<NewShard> EmptyShards(int shards) => Jobs.JobPlanner.ShardsOf(new Corpus.ShardPlan(Corpus.ShardPlan.CurrentVersion, 1, default, [],
        Enumerable.Range(0, shards).Select(i => new Corpus.Shard(i, 1, [])).ToArray()));

    /// <summary>Starts the job's grain and waits for it to end and be published (fails the test after <paramref name="seconds"/>).</summary>
    public async Task<string> RunToEndAsync(string jobId, int seconds = 90)
    {
        var job = Grains.GetGrain<IJobGrain>(jobId);
        await job.Start();
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            var state = await job.WaitForEnd(TimeSpan.FromSeconds(5));
            if (state is "succeeded" or "failed" or "cancelled") return state;
        }
        throw new TimeoutException($"job {jobId} did not end within {seconds} s");
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Store.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string TinyModel => Path.Combine(Root, "tests", "fixtures", "models", "tiny-qwen3-embedding");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Clustering.sln"))) return dir.FullName;
        throw new InvalidOperationException("Clustering.sln not found above " + AppContext.BaseDirectory);
    }
}
