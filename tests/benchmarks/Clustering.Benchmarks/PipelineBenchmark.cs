using System.Diagnostics;
using System.Text.Json;
using Clustering.Hosting;
using Clustering.Inference;
using Clustering.Jobs;
using Clustering.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Benchmarks;

/// <summary>
/// What the pipeline costs over the engine, on the same corpus in one process: (1) the engine alone, as `embedctl
/// encode` works — read the lines, tokenize, embed length-sorted windows, no output; (2) the whole `embedctl run`
/// (plan, shards, store, parallel tokenizers, Parquet, commit, manifest). Prints docs/s and tokens/s of both and the
/// ratio. Alternates the two and keeps each one's best run, so a busy machine penalizes both alike.
/// Usage: Clustering.Benchmarks pipeline --corpus FILE.jsonl --model DIR [--threads N] [--repeat 2] [--batch-tokens 8192]
/// </summary>
internal static class PipelineBenchmark
{
    public static int Run(string[] args)
    {
        var a = EngineBenchmark.Args.Parse(args);
        var corpus = Path.GetFullPath(a.Get("--corpus") ?? throw new ArgumentException("--corpus FILE is required"));
        var model = Path.GetFullPath(a.Get("--model") ?? throw new ArgumentException("--model DIR is required"));
        var threads = a.Int("--threads", Environment.ProcessorCount);
        var repeat = a.Int("--repeat", 2);
        var batchTokens = a.Int("--batch-tokens", 8192);
        var texts = File.ReadLines(corpus).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!).ToList();

        var engineBest = double.MaxValue;
        var embedBest = double.MaxValue;
        var pipelineBest = double.MaxValue;
        long tokens = 0;
        for (var r = 0; r < repeat; r++)
        {
            var clock = Stopwatch.StartNew();
            (tokens, var embedSeconds) = EngineAlone(model, File.ReadLines(corpus), threads, batchTokens);
            engineBest = Math.Min(engineBest, clock.Elapsed.TotalSeconds);
            embedBest = Math.Min(embedBest, embedSeconds);

            var output = Path.Combine(Path.GetTempPath(), $"pipeline-bench-{Environment.ProcessId}-{r}");
            clock.Restart();
            var spec = new JobSpec
            {
                Inputs = [corpus], Model = model, Output = output, ShardDocs = Math.Max(1000, texts.Count / 8),
                Embed = new EmbeddingOptions { Threads = threads, BatchTokens = batchTokens, MaxLength = 8192 },
            };
            var result = new EmbeddedRunner(NullLoggerFactory.Instance).RunAsync(spec, 1, new JobProgress(), CancellationToken.None).GetAwaiter().GetResult();
            pipelineBest = Math.Min(pipelineBest, clock.Elapsed.TotalSeconds);
            if (result.Manifest.Tokens != tokens) Console.Error.WriteLine($"warning: pipeline embedded {result.Manifest.Tokens} tokens, engine {tokens}");
            Directory.Delete(output, recursive: true);
        }
        Console.WriteLine($"corpus {Path.GetFileName(corpus)}: {texts.Count:N0} docs, {tokens:N0} tokens; model {Path.GetFileName(model)}; {threads} threads; best of {repeat}");
        Console.WriteLine($"{"",-22} {"seconds",8} {"docs/s",10} {"tokens/s",10}");
        Console.WriteLine($"{"forward passes only",-22} {embedBest,8:F2} {texts.Count / embedBest,10:N0} {tokens / embedBest,10:N0}");
        Console.WriteLine($"{"encode (serial)",-22} {engineBest,8:F2} {texts.Count / engineBest,10:N0} {tokens / engineBest,10:N0}");
        Console.WriteLine($"{"embedctl run",-22} {pipelineBest,8:F2} {texts.Count / pipelineBest,10:N0} {tokens / pipelineBest,10:N0}");
        Console.WriteLine($"embedctl run vs encode: {engineBest / pipelineBest:F2}x; pipeline cost over the forward passes alone: " +
            $"{(pipelineBest / embedBest - 1) * 100:F1} % (target ≤ 10 %)");
        return 0;
    }

    /// <summary>encode's work without its output: parse, tokenize, embed windows sorted by length. Returns tokens and the seconds spent in forward passes.</summary>
    private static (long Tokens, double EmbedSeconds) EngineAlone(string modelPath, IEnumerable<string> lines, int threads, int batchTokens)
    {
        using var model = EngineFactory.Load(new JobSpec
        {
            Inputs = [], Model = modelPath, Output = "",
            Embed = new EmbeddingOptions { Threads = threads, BatchTokens = batchTokens, MaxLength = 8192 },
        }, "cpu", threads);
        long tokens = 0;
        var embedding = new Stopwatch();
        var window = new List<int[]>();
        float[] output = [];
        void Flush()
        {
            if (output.Length < window.Count * model.Dimensions) output = new float[window.Count * model.Dimensions];
            embedding.Start();
            model.EmbedByLength(window, output);
            embedding.Stop();
            window.Clear();
        }
        foreach (var line in lines)
        {
            if (line.Length == 0) continue;
            var ids = model.Tokenize(JsonDocument.Parse(line).RootElement.GetProperty("text").GetString()!).Ids;
            tokens += ids.Length;
            window.Add(ids);
            if (window.Count == 1024) Flush();
        }
        if (window.Count > 0) Flush();
        return (tokens, embedding.Elapsed.TotalSeconds);
    }
}
