using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Clustering.Tokenizers;

namespace Clustering.Benchmarks;

/// <summary>
/// Tokenizer throughput: MB/s (UTF-8 bytes of text) and tokens/s, EncodeBatch on one thread and on N threads
/// (EncodeBatch), with the scaling efficiency multi / (single × N). With --peer, the JSON written by
/// tests/benchmarks/tokenizer_peer.py (Hugging Face tokenizers on the same texts) is printed beside ours with ratios.
/// Measurements follow one warm-up pass per setting (word caches filled, JIT done), as the peer does, and alternate in
/// --repeat rounds (default 5), each setting keeping its best. With --passes P one
/// timed run encodes the texts P times over (one list of P × N texts): on 16 threads a single pass of 20 MB lasts
/// ~40 ms, short enough that waking the pool and the last chunk's tail weigh on the scaling figure.
/// </summary>
internal static class TokenizerBenchmark
{
    public const string About = "tokenizer throughput: --texts FILE.jsonl [--tokenizer PATH] [--threads N] [--peer peer.json] [--repeat R] [--passes P] [--curve 2,4,8]";

    public static int Run(string[] args)
    {
        string? textsPath = null, peerPath = null;
        string tokenizerPath = Path.Combine("..", "shared", "models", "qwen3-tokenizer", "tokenizer.json");
        int threads = Environment.ProcessorCount, repeat = 5, passes = 1;
        int[] curve = [];
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--texts": textsPath = Next(); break;
                case "--tokenizer": tokenizerPath = Next(); break;
                case "--threads": threads = int.Parse(Next()); break;
                case "--peer": peerPath = Next(); break;
                case "--repeat": repeat = int.Parse(Next()); break;
                case "--passes": passes = int.Parse(Next()); break;
                case "--curve": curve = Next().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray(); break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}\n{About}"); return 2;
            }
        }
        if (textsPath is null) { Console.Error.WriteLine(About); return 2; }

        var texts = new List<string>();
        foreach (var line in File.ReadLines(textsPath))
            if (!string.IsNullOrWhiteSpace(line)) texts.Add(JsonDocument.Parse(line).RootElement.GetProperty("text").GetString()!);
        long bytesOnce = texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t));
        var textsOnce = texts.Count;
        texts = Enumerable.Repeat(texts, Math.Max(1, passes)).SelectMany(t => t).ToList();
        long bytes = bytesOnce * Math.Max(1, passes);
        var loadWatch = Stopwatch.StartNew();
        var tokenizer = Tokenizer.Load(tokenizerPath);
        Console.WriteLine($"tokenizer {tokenizerPath} loaded in {loadWatch.Elapsed.TotalSeconds:F2} s; {textsOnce} texts, {bytesOnce / 1e6:F1} MB, {passes} pass(es) per run; {threads} threads; best of {repeat} alternating rounds; {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC");

        // Single thread is EncodeBatch on one thread, as the peer's is encode_batch with RAYON_NUM_THREADS=1: the same
        // call as the multi-threaded figure, keeping every result alive as a batch must (a loop that drops each result
        // at once spares the GC the survivors and flatters the baseline).
        // The settings are measured in rounds, one run of each per round, and each keeps its best: on a shared VM the
        // speed of a core drifts by tens of percent over seconds, and measuring one setting's runs back to back lets
        // such a drift land on one side of the ratio only.
        long Run(int n) => tokenizer.EncodeBatch(texts, threads: n).Sum(e => (long)e.Ids.Length);
        // Distinct: --threads 1 is also the single-thread setting, and a setting measured twice would be two keys.
        int[] settings = new[] { 1, threads }.Concat(curve).Distinct().ToArray();
        var runs = settings.ToDictionary(n => n, _ => new List<double>());
        long[] tokensOf = new long[settings.Length];
        foreach (int n in settings) Run(n); // warm-up: word caches filled, JIT done, the pool grown
        for (int r = 0; r < Math.Max(1, repeat); r++)
            for (int k = 0; k < settings.Length; k++)
            {
                var watch = Stopwatch.StartNew();
                tokensOf[k] = Run(settings[k]);
                runs[settings[k]].Add(watch.Elapsed.TotalSeconds);
            }
        (double Seconds, long Tokens) BestOf(int n) => (runs[n].Min(), tokensOf[Array.IndexOf(settings, n)]);
        var single = BestOf(1);
        var multi = BestOf(threads);
        // Allocations on this thread over one warm pass (caches filled): the output int[] is the floor.
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        foreach (var t in texts.Take(textsOnce)) tokenizer.Encode(t);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        double sMb = bytes / 1e6 / single.Seconds, mMb = bytes / 1e6 / multi.Seconds;
        double sTok = single.Tokens / single.Seconds, mTok = multi.Tokens / multi.Seconds;
        double efficiency = mTok / (sTok * threads);

        JsonElement? peer = null;
        if (peerPath is not null) peer = JsonDocument.Parse(File.ReadAllText(peerPath)).RootElement;
        Console.WriteLine();
        Console.WriteLine($"{"",-22}{"ours MB/s",12}{"ours tok/s",14}{(peer is null ? "" : $"{"HF MB/s",12}{"HF tok/s",14}{"ratio",8}")}");
        Row("single thread", sMb, sTok, peer?.GetProperty("single"));
        Row($"{threads} threads", mMb, mTok, peer?.GetProperty("multi"));
        Console.WriteLine($"{"scaling efficiency",-22}{efficiency,12:P0}{"",14}{(peer is null ? "" : $"{peer.Value.GetProperty("scaling_efficiency").GetDouble(),12:P0}")}");
        // --curve: other thread counts against the same baseline, to see where scaling bends (physical cores against
        // SMT siblings, memory bandwidth, clocks under load).
        foreach (int n in settings.Skip(2))
        {
            var run = BestOf(n);
            Console.WriteLine($"{$"{n} threads",-22}{bytes / 1e6 / run.Seconds,12:F1}{run.Tokens / run.Seconds,14:N0}  {run.Tokens / run.Seconds / (sTok * n),6:P0} of linear");
        }
        // The spread says how much to trust the figures: best and worst of the rounds, per setting.
        Console.WriteLine($"rounds (MB/s, best..worst): {string.Join("; ", settings.Select(n => $"{n} thr {bytes / 1e6 / runs[n].Min():F0}..{bytes / 1e6 / runs[n].Max():F0}"))}");
        var tokensOnce = single.Tokens / Math.Max(1, passes);
        if (peer is { } p && p.GetProperty("single").GetProperty("tokens").GetInt64() != tokensOnce)
            Console.WriteLine($"note: token counts differ (ours {tokensOnce}, HF {p.GetProperty("single").GetProperty("tokens").GetInt64()}): different texts or tokenizer?");
        Console.WriteLine($"tokens: {tokensOnce} per pass; allocated per Encode (warm, one thread): {allocated / (double)textsOnce:F0} B/text, {allocated / (double)tokensOnce:F2} B/token");
        return 0;

        static void Row(string name, double mb, double tok, JsonElement? peerRow)
        {
            var line = $"{name,-22}{mb,12:F1}{tok,14:N0}";
            if (peerRow is { } r)
            {
                double pMb = r.GetProperty("mb_per_s").GetDouble(), pTok = r.GetProperty("tokens_per_s").GetDouble();
                line += $"{pMb,12:F1}{pTok,14:N0}{tok / pTok,7:F2}x";
            }
            Console.WriteLine(line);
        }
    }
}
