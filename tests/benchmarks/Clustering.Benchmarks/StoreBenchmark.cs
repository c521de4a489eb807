using System.Diagnostics;
using System.Globalization;
using Clustering.Coordination;
using Clustering.Coordination.Postgres;
using Clustering.Coordination.Sqlite;
using Clustering.Coordination.Tests;

namespace Clustering.Benchmarks;

/// <summary>
/// `store`: N simulated workers doing lease + complete cycles (the store traffic of one shard) as fast as they can
/// against each store given, printing cycles/s and p50/p99 latency per store and the ratio to the first. From the
/// cycle rate: how many GPUs one database can feed when a GPU finishes a 10,000-document shard every ~12 s.
///
///   Clustering.Benchmarks store [--store ADDRESS]... [--start-postgres] [--no-sqlite] [--workers 64] [--seconds 10] [--shards 200000]
/// </summary>
internal static class StoreBenchmark
{
    // A GPU at ~150k tokens/s and ~180 tokens/document embeds ~830 documents/s: a 10,000-document shard every ~12 s.
    private const double ShardSecondsPerGpu = 10_000 / (150_000.0 / 180);

    public static int Run(string[] args)
    {
        var stores = new List<string>();
        bool startPostgres = false, sqlite = true;
        int workers = 64, seconds = 10, shards = 200_000;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ClusteringException($"store benchmark: {args[i]} needs a value");
            int Int() { var s = Next(); return int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ClusteringException($"store benchmark: '{s}' is not a positive integer"); }
            switch (args[i])
            {
                case "--store": stores.Add(Next()); break;
                case "--start-postgres": startPostgres = true; break;
                case "--no-sqlite": sqlite = false; break;
                case "--workers": workers = Int(); break;
                case "--seconds": seconds = Int(); break;
                case "--shards": shards = Int(); break;
                default:
                    Console.Error.WriteLine("usage: store [--store ADDRESS]... [--start-postgres] [--no-sqlite] [--workers 64] [--seconds 10] [--shards 200000]");
                    return 2;
            }
        }

        using var postgres = startPostgres ? TemporaryPostgres.Start() : null;
        if (postgres is not null) stores.Insert(0, postgres.Address());
        var tempDir = Directory.CreateTempSubdirectory("clustering-store-bench-");
        if (sqlite) stores.Add("sqlite:" + Path.Combine(tempDir.FullName, "bench.db"));
        if (stores.Count == 0) { Console.Error.WriteLine("store benchmark: no store (give --store, --start-postgres, or drop --no-sqlite)"); return 2; }

        try
        {
            Console.WriteLine($"store benchmark: {workers} workers, {seconds} s each (after 1 s warm-up), {shards} shards per store, {Environment.ProcessorCount} cores here");
            Console.WriteLine($"{"store",-44} {"cycles/s",10} {"lease p50/p99 ms",18} {"commit p50/p99 ms",18} {"cycle p50/p99 ms",18} {"empty",7}");
            double? first = null;
            foreach (var address in stores)
            {
                var r = RunOne(address, workers, seconds, shards).GetAwaiter().GetResult();
                Console.WriteLine($"{r.Name,-44} {r.CyclesPerSecond,10:F0} {r.Lease,18} {r.Commit,18} {r.Cycle,18} {r.Empty,7}" +
                    (first is { } f ? $"   ×{r.CyclesPerSecond / f:F2} of the first" : ""));
                first ??= r.CyclesPerSecond;
                Console.WriteLine($"  → at one 10,000-document shard per GPU every {ShardSecondsPerGpu:F1} s, this store can feed ~{r.CyclesPerSecond * ShardSecondsPerGpu:F0} GPUs " +
                    $"(~{r.CyclesPerSecond * ShardSecondsPerGpu / 2:F0} keeping it half busy)");
            }
            return 0;
        }
        finally
        {
            tempDir.Delete(recursive: true);
        }
    }

    internal sealed record Result(string Name, double CyclesPerSecond, string Lease, string Commit, string Cycle, long Empty);

    internal static async Task<Result> RunOne(string address, int workers, int seconds, int shardCount)
    {
        await using IClusterStore store = StoreAddress.KindOf(address) == StoreKind.Postgres
            ? await PostgresClusterStore.OpenAsync(address + (address.Contains("://") && !address.Contains("max_pool_size") ? (address.Contains('?') ? "&" : "?") + $"max_pool_size={workers + 8}" : ""))
            : await SqliteClusterStore.OpenAsync(address);
        var jobId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var shards = Enumerable.Range(0, shardCount).Select(i => new NewShard(i, $$"""{"input":"corpus/part-{{i / 64:D5}}.jsonl","offset":{{i % 64 * 4_000_000}},"length":4000000}""")).ToArray();
        await store.CreateJobAsync(new NewJob(jobId, """{"bench":true}""", "qwen3-0.6b", "file:///dev/null/" + jobId), shards);

        var lease = new List<double>[workers];
        var commit = new List<double>[workers];
        long cycles = 0, empty = 0;
        var warmupEnd = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        var end = warmupEnd + seconds * Stopwatch.Frequency;
        var caps = new WorkerCapabilities("cuda", 80L << 30);
        string[] models = ["qwen3-0.6b"];

        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var worker = $"bench-host-{w / 8}/gpu{w % 8}";
            var myLease = lease[w] = new List<double>(1 << 16);
            var myCommit = commit[w] = new List<double>(1 << 16);
            while (true)
            {
                var t0 = Stopwatch.GetTimestamp();
                if (t0 >= end) break;
                var counted = t0 >= warmupEnd;
                var s = await store.LeaseShardAsync(worker, caps, models, TimeSpan.FromMinutes(1));
                var t1 = Stopwatch.GetTimestamp();
                if (s is null) { if (counted) Interlocked.Increment(ref empty); await Task.Delay(10); continue; }
                var ok = await store.CompleteShardAsync(new ShardCompletion(s.Key, s.Attempt, worker, $"{jobId}/part-{s.Index:D5}-a{s.Attempt}.parquet", 10_000, 6_000_000, "sha256:0", 0, 1_800_000));
                var t2 = Stopwatch.GetTimestamp();
                if (!ok) throw new InvalidOperationException($"commit of {s.Key} attempt {s.Attempt} by {worker} was refused");
                if (!counted) continue;
                myLease.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
                myCommit.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
                Interlocked.Increment(ref cycles);
            }
        })));
        await store.CancelJobAsync(jobId);

        var l = lease.SelectMany(x => x).Order().ToArray();
        var c = commit.SelectMany(x => x).Order().ToArray();
        var cycle = lease.Zip(commit, (a, b) => a.Zip(b, (x, y) => x + y)).SelectMany(x => x).Order().ToArray();
        return new Result(store.DisplayName, cycles / (double)seconds, P(l), P(c), P(cycle), empty);
    }

    private static string P(double[] sorted) => sorted.Length == 0
        ? "-"
        : $"{sorted[(int)(sorted.Length * 0.50)]:F2} / {sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.99))]:F2}";
}
