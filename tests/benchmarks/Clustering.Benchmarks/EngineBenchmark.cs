using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Clustering.Inference;
using Clustering.Inference.Cpu;

namespace Clustering.Benchmarks;

/// <summary>
/// `engine --model DIR [--docs N] [--threads T] [--batch-tokens N] [--max-length N] [--corpus FILE] [--write-corpus FILE]`:
/// embeds a deterministic synthetic corpus of token ids (log-normal lengths 16–512, mean ~180) with the CPU
/// backend in length-sorted token-budget batches and prints tokens/s. `--write-corpus` saves the ids as JSON lines
/// ({"ids": [...]}) for tests/benchmarks/engine_peer.py (transformers on CPU) to run the same documents;
/// `--corpus` reads such a file instead of generating. The max length is --max-length, or the corpus's longest document
/// (at least 512), so corpora of 2k-32k-token documents run whole.
/// `engine-random-model --size 0.6b|4b|8b|tiny --out DIR`: writes random bf16 weights of a Qwen3-Embedding shape
/// (for machines without torch; make_random_model.py does it with transformers).
/// </summary>
internal static class EngineBenchmark
{
    public static int Run(string[] args)
    {
        var a = Args.Parse(args);
        var modelPath = a.Get("--model") ?? throw new ArgumentException("--model DIR is required");
        var docs = a.Int("--docs", 200);
        var threads = a.Int("--threads", Environment.ProcessorCount);
        var batchTokens = a.Int("--batch-tokens", 8192);

        var given = a.Get("--corpus") is { } file ? ReadCorpus(file, docs) : null;
        var maxLength = a.Int("--max-length", Math.Max(512, given is { Length: > 0 } ? given.Max(d => d.Length) : 0));

        var load = Stopwatch.StartNew();
        using var model = EmbeddingModel.Load(modelPath, new EmbeddingOptions { BatchTokens = batchTokens, MaxLength = maxLength },
            new CpuOps(new CpuOptions { Threads = threads }));
        load.Stop();

        var corpus = given ?? Synthetic(docs, model.Config.VocabSize);
        if (a.Get("--write-corpus") is { } outFile) WriteCorpus(outFile, corpus);
        long tokens = corpus.Sum(d => (long)d.Length);

        // Warm-up: JIT and first-touch of the activation buffers.
        var warm = corpus.Take(Math.Min(8, corpus.Length)).ToArray();
        model.Embed(warm, new float[warm.Length * model.Dimensions]);

        var output = new float[corpus.Length * model.Dimensions];
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        model.EmbedByLength(corpus, output);
        clock.Stop();
        var seconds = clock.Elapsed.TotalSeconds;
        // CPU seconds too: on a shared machine wall time measures the neighbours as much as us.
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        Console.WriteLine($"engine cpu: {model.ModelId} ({model.Config.NumHiddenLayers} layers, hidden {model.Config.HiddenSize}), {threads} threads, batch {batchTokens} tokens, max length {maxLength}");
        Console.WriteLine($"  {corpus.Length} docs, {tokens} tokens (mean {tokens / (double)corpus.Length:F0}) in {seconds:F2} s: {tokens / seconds:F0} tokens/s, {corpus.Length / seconds:F1} docs/s (load {load.Elapsed.TotalSeconds:F1} s)");
        Console.WriteLine($"  CPU time {cpuSeconds:F2} s: {tokens / cpuSeconds:F0} tokens per CPU-second");
        Console.WriteLine(JsonSerializer.Serialize(new { engine = "ours-cpu", docs = corpus.Length, tokens, seconds, tokens_per_s = tokens / seconds, cpu_seconds = cpuSeconds, threads }));
        return 0;
    }

    /// <summary>Log-normal lengths (μ = ln 180 − σ²/2, σ = 0.6) clipped to 16..512; ids uniform below the special tokens; a fixed seed.</summary>
    public static int[][] Synthetic(int docs, int vocab)
    {
        var rng = new Random(20261122);
        const double sigma = 0.6;
        var mu = Math.Log(180) - sigma * sigma / 2;
        var ordinary = Math.Min(vocab, 151643);
        var corpus = new int[docs][];
        for (var d = 0; d < docs; d++)
        {
            var normal = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            var length = (int)Math.Clamp(Math.Round(Math.Exp(mu + sigma * normal)), 16, 512);
            var ids = new int[length];
            for (var i = 0; i < length; i++) ids[i] = rng.Next(ordinary);
            if (vocab > 151643) ids[^1] = 151643; // <|endoftext|>, as the tokenizer appends it
            corpus[d] = ids;
        }
        return corpus;
    }

    private static int[][] ReadCorpus(string path, int docs) =>
        File.ReadLines(path).Take(docs).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        }).ToArray();

    private static void WriteCorpus(string path, int[][] corpus)
    {
        using var w = new StreamWriter(path);
        foreach (var ids in corpus) w.WriteLine("{\"ids\": [" + string.Join(",", ids) + "]}");
    }

    /// <summary>Minimal "--name value" parsing.</summary>
    internal sealed class Args
    {
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

        public static Args Parse(string[] args)
        {
            var a = new Args();
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"expected --name value, found {args[i]}");
                a._values[args[i]] = args[i + 1];
            }
            if (args.Length % 2 != 0) throw new ArgumentException($"{args[^1]} needs a value");
            return a;
        }

        public string? Get(string name) => _values.GetValueOrDefault(name);

        public int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
    }
}
