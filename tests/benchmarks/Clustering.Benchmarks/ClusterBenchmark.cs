using System.Diagnostics;
using System.Globalization;
using System.Text;
using Clustering.Cluster;
using Clustering.Coordination;
using Clustering.Coordination.Postgres;
using Clustering.Coordination.Tests;
using Clustering.Corpus;
using Clustering.Jobs;
using Clustering.Pipeline;
using Clustering.Storage;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Clustering.Benchmarks;

/// <summary>
/// `cluster`: the Orleans cluster's own cost per shard. Simulated workers (<see cref="InstantExecutor"/>: no model, a
/// tiny object per attempt) spread over in-process silos pull shards from ONE job grain through the real path
/// (worker → job directory → job grain offer → lease row; commit → job grain → fenced update), shard rows in a
/// throwaway PostgreSQL. Prints:
///  1. offer → commit cycles/s through the one job grain, beside the peer: the same workers leasing and committing
///     straight against the store (the pre-Orleans cluster's traffic, `store` benchmark), from the same run;
///  2. a job of N shards (default 100,000) submitted, planned from a real JSONL corpus (one document per shard),
///     run and published: the time of each phase;
///  3. from the cycle rate, how many GPUs one job grain keeps fed;
///  4. with one silo killed mid-job: the time to declare it dead, take its shards back and redo them elsewhere.
///
///   Clustering.Benchmarks cluster [--workers 64] [--silos 3] [--seconds 20] [--shards 100000] [--no-big-job]
/// </summary>
internal static class ClusterBenchmark
{
    public const string About = "offer → commit cycles/s through one job grain (64 simulated workers on 3 silos, PostgreSQL) vs the store alone; a 100,000-shard job planned and completed";

    // A GPU embedding 0.6B at ~150k tokens/s (the store benchmark's assumption) finishes a 10,000-document shard of
    // ~180-token documents every 12 s; at the H200's measured end-to-end 434k tokens/s (README), every ~4.1 s.
    private static readonly (string What, double Seconds)[] ShardPace =
    [
        ("a 10,000-document shard every 12.0 s per GPU (150k tokens/s)", 10_000 / (150_000.0 / 180)),
        ("a 10,000-document shard every 4.1 s per GPU (H200 0.6B end to end, 434k tokens/s)", 10_000 / (434_000.0 / 180)),
    ];

    private const int CycleShards = 150_000;

    public static int Run(string[] args)
    {
        int workers = 64, silos = 3, seconds = 20, shards = 100_000;
        var bigJob = true;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ClusteringException($"cluster benchmark: {args[i]} needs a value");
            int Int() { var s = Next(); return int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ClusteringException($"cluster benchmark: '{s}' is not a positive integer"); }
            switch (args[i])
            {
                case "--workers": workers = Int(); break;
                case "--silos": silos = Int(); break;
                case "--seconds": seconds = Int(); break;
                case "--shards": shards = Int(); break;
                case "--no-big-job": bigJob = false; break;
                default:
                    Console.Error.WriteLine("usage: cluster [--workers 64] [--silos 3] [--seconds 20] [--shards 100000] [--no-big-job]");
                    return 2;
            }
        }
        return RunAsync(workers, silos, seconds, shards, bigJob).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int workers, int silos, int seconds, int shards, bool bigJob)
    {
        using var postgres = TemporaryPostgres.Start();
        var address = postgres.Address(query: $"max_pool_size={workers + 16}");
        var root = Directory.CreateTempSubdirectory("clustering-cluster-bench-");
        try
        {
            Console.WriteLine($"cluster benchmark: {workers} simulated workers on {silos} in-process silos, one job grain, shard rows in PostgreSQL " +
                $"(throwaway, fsync off); {Environment.ProcessorCount} cores here, load average {LoadAverage()}; {DateTime.UtcNow:u}");

            // The peer first, on the same database: the old cluster's workers leasing and committing straight in the store.
            var peer = await StoreBenchmark.RunOne(address, workers, seconds, 200_000);
            Console.WriteLine($"peer  store alone (lease + commit rows, no grains):  {peer.CyclesPerSecond,8:F0} cycles/s   cycle p50/p99 {peer.Cycle} ms");

            await using var store = await PostgresClusterStore.OpenAsync(address);
            var devices = new Dictionary<string, InstantExecutor[]>();
            await using var cluster = await StartClusterAsync(store, workers, silos, devices);
            var grains = cluster.Client;

            var rate = await CyclesAsync(store, grains, root.FullName, seconds);
            Console.WriteLine($"ours  one job grain (offer → run → commit):        {rate,8:F0} cycles/s   ×{rate / peer.CyclesPerSecond:F2} of the peer");
            foreach (var (what, pace) in ShardPace)
                Console.WriteLine($"  → at {what}: one job grain feeds ~{rate * pace:F0} GPUs (~{rate * pace / 2:F0} keeping it half busy)");

            if (bigJob) await BigJobAsync(store, grains, root.FullName, shards);
            if (silos > 1) await KillAsync(store, cluster, devices, root.FullName, workers);
            return 0;
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static async Task<InProcessTestCluster> StartClusterAsync(IClusterStore store, int workers, int silos, Dictionary<string, InstantExecutor[]> devices)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        // TestingHost would write each silo's log into ./logs (megabytes: a line per shard); the benchmark keeps none.
        builder.Options.ConfigureFileLogging = false;
        var next = 0;
        builder.ConfigureSilo((options, silo) =>
        {
            // Workers dealt round-robin over the silos: 64 over 3 is 22, 21, 21.
            var index = Interlocked.Increment(ref next) - 1;
            var mine = Enumerable.Range(0, workers).Where(w => w % silos == index % silos).Select(w => new InstantExecutor($"sim{w}")).ToArray();
            lock (devices) devices[options.SiloName] = mine;
            silo.AddEmbeddingCluster(new ClusterServices
            {
                Store = store,
                Inputs = new InputStores(),
                Outputs = location => new LocalBlobStore(location),
                Devices = [.. mine],
                SiloName = options.SiloName,
            });
            silo.Configure<ClusterMembershipOptions>(ClusterSiloBuilderExtensions.TuneMembership);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static JobSpec Spec(string input, string output, int shardDocs = 10_000) =>
        new() { Inputs = [input], Model = TinyModel, Output = output, ShardDocs = shardDocs };

    /// <summary>Shards committed per second over <paramref name="seconds"/>, after 3 s of warm-up, on a job far larger than that.</summary>
    private static async Task<double> CyclesAsync(IClusterStore store, IGrainFactory grains, string root, int seconds)
    {
        var output = Path.Combine(root, "cycles");
        Directory.CreateDirectory(output);
        var spec = Spec("/nonexistent/input.jsonl", output);
        // Rows as the planner writes them; the simulated workers never read them.
        var plan = new Corpus.ShardPlan(Corpus.ShardPlan.CurrentVersion, 1, default, [], Enumerable.Range(0, CycleShards).Select(i => new Shard(i, 1, [])).ToArray());
        await store.CreateJobAsync(new NewJob("cycles", spec.ToJson(), TinyModel, output), JobPlanner.ShardsOf(plan));
        var job = grains.GetGrain<IJobGrain>("cycles");
        await job.Start();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = (await store.GetJobAsync("cycles"))!.Counters.Done;
        var t0 = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var after = (await store.GetJobAsync("cycles"))!.Counters.Done;
        var elapsed = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        await job.Cancel("benchmark window over");
        if (after >= CycleShards) throw new InvalidOperationException("the cycles job ran out of shards: make it larger");
        return (after - before) / elapsed;
    }

    /// <summary>Submit → planned → every shard committed → published, timed, for a job of <paramref name="shards"/> one-document shards.</summary>
    private static async Task BigJobAsync(IClusterStore store, IGrainFactory grains, string root, int shards)
    {
        var corpus = Path.Combine(root, "corpus.jsonl");
        using (var writer = new StreamWriter(corpus, false, new UTF8Encoding(false)))
            for (var i = 0; i < shards; i++) writer.Write($"{{\"id\":\"d{i}\",\"text\":\"document {i}\"}}\n");
        var output = Path.Combine(root, "big");
        Directory.CreateDirectory(output);
        var spec = Spec(corpus, output, shardDocs: 1);

        var t0 = Stopwatch.GetTimestamp();
        await store.CreateJobAsync(new NewJob("big", spec.ToJson(), TinyModel, output), []);
        var job = grains.GetGrain<IJobGrain>("big");
        await job.Start();
        double planned = 0, committed = 0;
        string state;
        while (true)
        {
            var record = (await store.GetJobAsync("big"))!;
            var at = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (planned == 0 && record.Counters.Shards > 0) planned = at;
            if (committed == 0 && record.Counters.Done == shards) committed = at;
            if (record.State.IsFinal() || committed > 0) break;
            await Task.Delay(100);
        }
        do state = await job.WaitForEnd(TimeSpan.FromSeconds(30)); while (state is "running" or "planning" or "pending");
        var published = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        var final = (await store.GetJobAsync("big"))!;
        var manifest = File.Exists(Path.Combine(output, OutputLayout.Manifest));
        Console.WriteLine($"job of {shards:N0} one-document shards: planned (rows written) at {planned:F1} s, all committed at {committed:F1} s " +
            $"({shards / Math.Max(0.001, committed - planned):F0} shards/s while running), published at {published:F1} s; " +
            $"state {state}, done {final.Counters.Done:N0}, manifest {(manifest ? "written" : "MISSING")}");
        if (state != "succeeded" || final.Counters.Done != shards || !manifest)
            throw new InvalidOperationException($"the big job did not succeed cleanly (state {state}, {final.Counters.Done} done)");
    }

    /// <summary>
    /// Kills one silo (its devices frozen mid-shard, as under kill -9) while every worker holds a shard of a running
    /// job, and times: membership declaring it dead, its shards taken back by the job grain (the owner check, every
    /// 2 s, fails them as attempts), and those shards redone elsewhere (after the retry backoff: 5-10 s by default).
    /// </summary>
    private static async Task KillAsync(IClusterStore store, InProcessTestCluster cluster, Dictionary<string, InstantExecutor[]> devices, string root, int workers)
    {
        foreach (var executor in devices.Values.SelectMany(d => d)) executor.Hold = TimeSpan.FromMilliseconds(250);
        var output = Path.Combine(root, "killed");
        Directory.CreateDirectory(output);
        var shards = workers * 30;
        var plan = new Corpus.ShardPlan(Corpus.ShardPlan.CurrentVersion, 1, default, [], Enumerable.Range(0, shards).Select(i => new Shard(i, 1, [])).ToArray());
        await store.CreateJobAsync(new NewJob("killed", Spec("/nonexistent/input.jsonl", output).ToJson(), TinyModel, output), JobPlanner.ShardsOf(plan));
        var job = cluster.Client.GetGrain<IJobGrain>("killed");
        await job.Start();
        await Task.Delay(TimeSpan.FromSeconds(3));

        var victim = cluster.Silos[^1];
        var frozen = new TaskCompletionSource();
        foreach (var executor in devices[victim.Name]) executor.Freeze = frozen.Task;
        await Task.Delay(TimeSpan.FromMilliseconds(500)); // every device of the victim is now on a shard that never ends
        var owner = victim.SiloAddress.ToParsableString() + "/";
        var held = (await store.ListShardsAsync("killed")).Where(s => s.State == ShardState.Leased && s.Owner!.StartsWith(owner, StringComparison.Ordinal))
            .Select(s => s.Index).ToHashSet();
        var t0 = Stopwatch.GetTimestamp();
        await cluster.KillSiloAsync(victim);
        var killed = Stopwatch.GetElapsedTime(t0).TotalSeconds;

        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        double dead = 0, takenBack = 0, redone = 0;
        while (redone == 0 && Stopwatch.GetElapsedTime(t0) < TimeSpan.FromMinutes(3))
        {
            var at = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (dead == 0 && (await management.GetHosts()).TryGetValue(victim.SiloAddress, out var status) && status == SiloStatus.Dead) dead = at;
            var rows = (await store.ListShardsAsync("killed")).Where(s => held.Contains(s.Index)).ToList();
            if (takenBack == 0 && rows.All(s => !(s.State == ShardState.Leased && s.Owner!.StartsWith(owner, StringComparison.Ordinal)))) takenBack = at;
            if (rows.All(s => s.State == ShardState.Done)) redone = at;
            await Task.Delay(100);
        }
        var state = await job.WaitForEnd(TimeSpan.FromMinutes(2));
        Console.WriteLine($"kill of silo {victim.Name} ({devices[victim.Name].Length} workers, holding {held.Count} shards; the kill itself took {killed:F1} s): " +
            $"declared dead at {dead:F1} s, its shards taken back by {takenBack:F1} s, all redone elsewhere by {redone:F1} s (retry backoff 5-10 s included); job {state}");
        frozen.TrySetResult();
        if (redone == 0 || held.Count == 0) throw new InvalidOperationException($"the killed silo's {held.Count} shards were not redone within 3 minutes");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string TinyModel { get; } = FindTinyModel();

    private static string FindTinyModel()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Clustering.sln"))) return Path.Combine(dir.FullName, "tests", "fixtures", "models", "tiny-qwen3-embedding");
        throw new InvalidOperationException("Clustering.sln not found above " + AppContext.BaseDirectory);
    }
}
