using System.Diagnostics;
using System.Text;
using Clustering.Corpus;
using Parquet;
using Parquet.Schema;

namespace Clustering.Benchmarks;

/// <summary>
/// The same documents as a JSONL file and as a Parquet file (written by Parquet.Net, snappy, row groups of 20,000
/// rows, as Spark and pyarrow exports look), read and parsed by the job's own reader: text MB per CPU second for each,
/// and the ratio, in one run. Then planning a Parquet file of about --plan-gb GB (uncompressed, so it is that big on
/// disk) from its footer alone.
/// Usage: Clustering.Benchmarks parquet-corpus [--mb 100] [--repeat 3] [--plan-gb 1]
/// </summary>
internal static class ParquetCorpusBenchmark
{
    public const string About = "Parquet vs JSONL corpus read + parse (text MB per CPU second), and planning a large Parquet file [--mb 100] [--repeat 3] [--plan-gb 1]";

    private const int RowGroupRows = 20_000;

    public static int Run(string[] args)
    {
        var megabytes = CorpusBenchmark.ArgOr(args, "--mb", 100);
        var repeat = CorpusBenchmark.ArgOr(args, "--repeat", 3);
        var planGigabytes = CorpusBenchmark.ArgOr(args, "--plan-gb", 1);
        var folder = Directory.CreateTempSubdirectory("parquet-corpus-bench-").FullName;
        try
        {
            var jsonl = Path.Combine(folder, "bench.jsonl");
            var documents = CorpusBenchmark.Generate(jsonl, megabytes * 1_000_000L);
            var parquet = Path.Combine(folder, "bench.parquet");
            var textBytes = WriteParquetAsync(jsonl, parquet, CompressionMethod.Snappy).GetAwaiter().GetResult();
            Console.WriteLine($"corpus: {documents:N0} documents, {textBytes / 1e6:F1} MB of id + text; JSONL {new FileInfo(jsonl).Length / 1e6:F1} MB, " +
                $"Parquet (snappy) {new FileInfo(parquet).Length / 1e6:F1} MB; {Environment.ProcessorCount} cores, .NET {Environment.Version}");

            var options = new CorpusOptions();
            var fromJsonl = CorpusBenchmark.Best(repeat, () => Check(CorpusBenchmark.ReadAllAsync(jsonl, options).GetAwaiter().GetResult(), documents));
            var fromParquet = CorpusBenchmark.Best(repeat, () => Check(CorpusBenchmark.ReadAllAsync(parquet, options).GetAwaiter().GetResult(), documents));
            Console.WriteLine($"{"reader (best of " + repeat + ")",-28} {"MB/CPU-s",9} {"docs/CPU-s",12} {"wall MB/s",10}");
            Report("JSONL (ShardReader)", fromJsonl, textBytes, documents);
            Report("Parquet (ShardReader)", fromParquet, textBytes, documents);
            Console.WriteLine($"Parquet / JSONL: {fromJsonl.Cpu / fromParquet.Cpu:F2}x per CPU second");

            if (planGigabytes > 0)
            {
                var big = Path.Combine(folder, "big.parquet");
                WriteLargeAsync(jsonl, big, planGigabytes * 1_000_000_000L).GetAwaiter().GetResult();
                var clock = Stopwatch.StartNew();
                var plan = CorpusBenchmark.PlanAsync(big, new CorpusOptions()).GetAwaiter().GetResult();
                Console.WriteLine($"planning {new FileInfo(big).Length / 1e9:F2} GB Parquet file ({plan.Documents:N0} rows): {plan.Shards.Count} shards in " +
                    $"{clock.Elapsed.TotalSeconds:F3} s (footer only)");
            }
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static long Check(long read, long expected) =>
        read == expected ? read : throw new InvalidOperationException($"read {read} documents, wrote {expected}");

    private static void Report(string what, (double Cpu, double Wall) t, long bytes, long documents) =>
        Console.WriteLine($"{what,-28} {bytes / 1e6 / Math.Max(t.Cpu, 0.01),9:F1} {documents / Math.Max(t.Cpu, 0.01),12:N0} {bytes / 1e6 / t.Wall,10:F1}");

    private static readonly ParquetSchema Schema = new(new DataField<string>("id"), new DataField<string>("text"), new DataField<long>("n"));

    /// <summary>The JSONL file's documents as Parquet; returns the UTF-8 bytes of their ids and texts (the payload both readers deliver).</summary>
    private static async Task<long> WriteParquetAsync(string jsonl, string path, CompressionMethod compression)
    {
        long payload = 0;
        await using var file = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(Schema, file, new ParquetOptions { CompressionMethod = compression });
        var ids = new List<string>(RowGroupRows);
        var texts = new List<string>(RowGroupRows);
        foreach (var (id, text) in Documents(jsonl))
        {
            ids.Add(id);
            texts.Add(text);
            payload += Encoding.UTF8.GetByteCount(id) + Encoding.UTF8.GetByteCount(text);
            if (ids.Count == RowGroupRows) await FlushAsync(writer, ids, texts, payload);
        }
        if (ids.Count > 0) await FlushAsync(writer, ids, texts, payload);
        return payload;
    }

    /// <summary>Repeats the JSONL file's documents, uncompressed, until the file is about <paramref name="targetBytes"/> long.</summary>
    private static async Task WriteLargeAsync(string jsonl, string path, long targetBytes)
    {
        var all = Documents(jsonl).ToList();
        await using var file = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(Schema, file, new ParquetOptions { CompressionMethod = CompressionMethod.None });
        var ids = new List<string>(RowGroupRows);
        var texts = new List<string>(RowGroupRows);
        for (long row = 0; file.Length < targetBytes; row++)
        {
            var (id, text) = all[(int)(row % all.Count)];
            ids.Add($"{id}-{row / all.Count}");
            texts.Add(text);
            if (ids.Count == RowGroupRows) await FlushAsync(writer, ids, texts, row);
        }
        if (ids.Count > 0) await FlushAsync(writer, ids, texts, 0);
    }

    private static async Task FlushAsync(ParquetWriter writer, List<string> ids, List<string> texts, long seed)
    {
        using (var group = writer.CreateRowGroup())
        {
            await group.WriteAsync(Schema.DataFields[0], ids.ToArray());
            await group.WriteAsync(Schema.DataFields[1], texts.ToArray());
            await group.WriteAsync<long>(Schema.DataFields[2], Enumerable.Range(0, ids.Count).Select(i => seed + i).ToArray());
        }
        ids.Clear();
        texts.Clear();
    }

    private static IEnumerable<(string Id, string Text)> Documents(string jsonl)
    {
        foreach (var line in File.ReadLines(jsonl))
        {
            using var document = System.Text.Json.JsonDocument.Parse(line);
            yield return (document.RootElement.GetProperty("id").GetString()!, document.RootElement.GetProperty("text").GetString()!);
        }
    }
}
