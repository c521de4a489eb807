using System.Diagnostics;
using System.Text.Json;
using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda.Tests;

/// <summary>
/// The engine-only side of tests/gpu/bench.sh: one model directory, one corpus of token ids ({"ids": [...]} per line,
/// written by tests/benchmarks/cuda_peer.py, which feeds the same ids to transformers), sorted longest first and cut
/// by each token budget; tokens/s over the whole corpus after a warm-up, one JSON line per budget.
/// </summary>
public static class CorpusBenchmark
{
    public static int Run(string[] args)
    {
        string? model = null, corpusFile = null, label = null;
        var budgets = new[] { 16384, 65536 };
        var ordinal = 0;
        int? maxLength = null;
        var fuse = !args.Contains("--unfused");
        // What differs from the default engine, in the setting's name ("unfused" is the engine before fused linears).
        var variant = (fuse ? "" : " unfused") + (AttentionLauncher.DefaultQueryTile == 128 ? " tile128" : "");
        for (var i = 0; i + 1 < args.Length; i++)
        {
            switch (args[i])
            {
                case "--engine": model = args[++i]; break;
                case "--corpus": corpusFile = args[++i]; break;
                case "--label": label = args[++i]; break;
                case "--max-length": maxLength = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--device": ordinal = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--batch-tokens": budgets = args[++i].Split(',').Select(b => int.Parse(b, System.Globalization.CultureInfo.InvariantCulture)).ToArray(); break;
            }
        }
        if (model is null || corpusFile is null)
        {
            Console.Error.WriteLine("usage: --engine MODEL_DIR --corpus IDS.jsonl [--batch-tokens 16384,65536] [--label name] [--device N] [--unfused] [--max-length N (default: the longest document)]");
            return 2;
        }
        var corpus = new List<int[]>();
        foreach (var line in File.ReadLines(corpusFile))
        {
            if (line.Length == 0) continue;
            using var json = JsonDocument.Parse(line);
            corpus.Add(json.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        }
        var tokens = corpus.Sum(d => (long)d.Length);
        corpus.Sort((a, b) => b.Length.CompareTo(a.Length));
        // Long-document corpora (2k-32k tokens) run whole: the longest one sets the max length unless it is given.
        if (corpus.Count == 0)
        {
            Console.Error.WriteLine($"{corpusFile}: no documents");
            return 2;
        }
        var longest = corpus[0].Length;
        if (maxLength is int m && m < longest)
        {
            Console.Error.WriteLine($"--max-length {m}: the corpus has a document of {longest} tokens");
            return 2;
        }
        var device = CudaDevices.Discover()[ordinal];
        Console.WriteLine($"engine: {model} on {device}; corpus {corpus.Count} docs, {tokens} tokens (mean {tokens / (double)corpus.Count:F0}, longest {longest})");
        foreach (var budget in budgets)
        {
            var loadClock = Stopwatch.StartNew();
            using var embedding = EmbeddingModel.Load(model, new EmbeddingOptions { BatchTokens = budget, MaxLength = maxLength ?? Math.Max(longest, 512) },
                new CudaOps(ordinal, new KernelCache(Path.Combine(Path.GetTempPath(), "clustering-kernels-bench")), fuse));
            var load = loadClock.Elapsed.TotalSeconds;
            var output = new float[corpus.Count * embedding.Dimensions];
            // Warm-up (cuBLASLt plans, module load): the longest documents, at most 500 of them and 256k tokens (or two
            // budgets), so a corpus of 32k-token documents is not run twice.
            var warm = 1;
            for (long sum = corpus[0].Length; warm < Math.Min(500, corpus.Count) && sum + corpus[warm].Length <= Math.Max(2L * budget, 262_144); warm++)
                sum += corpus[warm].Length;
            embedding.Embed(corpus.GetRange(0, warm), output);
            var clock = Stopwatch.StartNew();
            embedding.Embed(corpus, output);
            var seconds = clock.Elapsed.TotalSeconds;
            var finite = output.All(float.IsFinite);
            Console.WriteLine($"ours {label ?? model} budget {budget}{variant}: {tokens / seconds:F0} tokens/s ({seconds:F2} s, load {load:F1} s, finite {finite})");
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                side = "ours", model = label ?? model, setting = $"budget {budget}{variant}", gpu = device.Name, docs = corpus.Count, tokens, seconds,
                tokens_per_s = tokens / seconds, load_s = load, finite,
            }));
        }
        return 0;
    }
}
