using System.Diagnostics;
using System.Text.Json;
using Clustering.Inference;
using Clustering.Inference.Onnx;
using Clustering.Tests.Shared;

namespace Clustering.Benchmarks;

/// <summary>
/// `onnx [--model DIR|minilm|arctic] [--docs 2000] [--threads N] [--batch 32]`: an ONNX encoder on the CPU, text to
/// normalized vector, ours (our tokenizer, length-sorted token-budget batches, ONNX Runtime 1.32 in-process) against
/// transformers.js 4.3.1's feature-extraction pipeline on onnxruntime-node (tests/tools/embed-peer.mjs, batches of
/// --batch texts), same model.onnx, same texts (the repository's corpus, each cut to 2,000 characters), same thread
/// count, one run; CPU seconds beside wall seconds, since on a shared machine wall time measures the neighbours too.
/// The peer runs twice: on the texts in corpus order, as a user calls it, and sorted by length, as we batch them, so
/// the ratio of runtimes and the gain of length sorting show apart. Tokens are ours (Hugging Face's ids; the peer's
/// own tokenizer differs on rare characters). Timed: the embedding calls, tokenization included,
/// after one warm-up batch; not loading.
/// </summary>
internal static class OnnxBenchmark
{
    public const string About = "ONNX encoder text→vector tokens/s, ours vs transformers.js on onnxruntime-node [--model minilm|arctic|DIR] [--docs 2000] [--threads N] [--batch 32]";

    public static int Run(string[] args)
    {
        var a = EngineBenchmark.Args.Parse(args);
        string model = a.Get("--model") ?? "minilm";
        string dir = model switch { "minilm" => PackagedModels.MiniLM, "arctic" => PackagedModels.ArcticXs, _ => Path.GetFullPath(model) };
        int docs = a.Int("--docs", 2000), threads = a.Int("--threads", Environment.ProcessorCount), batch = a.Int("--batch", 32);
        var texts = CorpusTexts(docs);

        using var embedder = OnnxModels.Load(dir, new EmbeddingOptions { Threads = threads });
        string pooling = embedder.Pooling.ToString().ToLowerInvariant();
        var warm = texts.Take(8).Select(t => embedder.Tokenize(t).Ids).ToArray();
        embedder.Embed(warm, new float[warm.Length * embedder.Dimensions]);

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var ids = embedder.Tokenizer!.EncodeBatch(texts, addSpecialTokens: true, maxLength: embedder.MaxLength, threads: threads).Select(e => e.Ids).ToArray();
        var output = new float[texts.Count * embedder.Dimensions];
        embedder.EmbedByLength(ids, output);
        clock.Stop();
        double ours = clock.Elapsed.TotalSeconds, cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        long tokens = ids.Sum(s => (long)s.Length);

        string peerDir = PeerFolder(dir);
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => ids[i].Length).ThenBy(i => i).ToArray();
        var (peerAsGiven, peerCpu) = Peer(peerDir, texts, pooling, threads, batch);
        var (peerSorted, peerSortedCpu) = Peer(peerDir, order.Select(i => texts[i]).ToList(), pooling, threads, batch);

        Console.WriteLine($"onnx cpu: {embedder.ModelId} ({embedder.Config.NumHiddenLayers} layers, hidden {embedder.Config.HiddenSize}, {pooling} pooling), {texts.Count} texts, {tokens} tokens (mean {tokens / (double)texts.Count:F0}), {threads} threads");
        Console.WriteLine($"  ours                           {ours,7:F2} s  {tokens / ours,8:F0} tokens/s  (CPU {cpu:F1} s: {tokens / cpu:F0} tokens per CPU-second)");
        Console.WriteLine($"  transformers.js, corpus order  {peerAsGiven,7:F2} s  {tokens / peerAsGiven,8:F0} tokens/s  (CPU {peerCpu:F1} s: {tokens / peerCpu:F0} tokens per CPU-second)  ours/peer {peerAsGiven / ours:F2}x wall, {peerCpu / cpu:F2}x CPU");
        Console.WriteLine($"  transformers.js, length-sorted {peerSorted,7:F2} s  {tokens / peerSorted,8:F0} tokens/s  (CPU {peerSortedCpu:F1} s: {tokens / peerSortedCpu:F0} tokens per CPU-second)  ours/peer {peerSorted / ours:F2}x wall, {peerSortedCpu / cpu:F2}x CPU");
        Console.WriteLine(JsonSerializer.Serialize(new { model = embedder.ModelId, texts = texts.Count, tokens, threads, ours_seconds = ours, ours_cpu_seconds = cpu,
            peer_seconds = peerAsGiven, peer_cpu_seconds = peerCpu, peer_sorted_seconds = peerSorted, peer_sorted_cpu_seconds = peerSortedCpu,
            ratio = peerAsGiven / ours, ratio_sorted = peerSorted / ours }));
        return 0;
    }

    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Clustering.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    private static List<string> CorpusTexts(int count)
    {
        var texts = new List<string>();
        while (texts.Count < count)
        {
            int before = texts.Count;
            foreach (var line in File.ReadLines(Path.Combine(RepoRoot(), "tests", "fixtures", "corpus", "sample.jsonl")))
            {
                using var doc = JsonDocument.Parse(line);
                if (!doc.RootElement.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String || t.GetString()!.Length == 0) continue;
                string text = t.GetString()!;
                if (text.Length > 2000) text = text[..(char.IsHighSurrogate(text[1999]) ? 1999 : 2000)];
                texts.Add(text);
                if (texts.Count == count) break;
            }
            if (texts.Count == before) throw new InvalidOperationException("the corpus has no texts");
        }
        return texts;
    }

    /// <summary>The transformers.js folder of a model folder: its config files, tokenizer.json built by Hugging Face from vocab.txt when missing, onnx/model.onnx linked.</summary>
    private static string PeerFolder(string dir)
    {
        string peer = Path.Combine(Path.GetTempPath(), "clustering-onnx-peer", Path.GetFileName(dir));
        Directory.CreateDirectory(Path.Combine(peer, "onnx"));
        string link = Path.Combine(peer, "onnx", "model.onnx");
        if (!File.Exists(link)) File.CreateSymbolicLink(link, OnnxModelFile(dir));
        foreach (var f in new[] { "config.json", "tokenizer_config.json", "tokenizer.json" })
            if (File.Exists(Path.Combine(dir, f))) File.Copy(Path.Combine(dir, f), Path.Combine(peer, f), overwrite: true);
        if (!File.Exists(Path.Combine(peer, "tokenizer.json"))) Node("tokenizer-oracle.mjs", "bert", Path.Combine(dir, "vocab.txt"), Path.Combine(peer, "tokenizer.json"), "true");
        return peer;
    }

    private static string OnnxModelFile(string dir) => Models.OnnxModelDirectory.FindOnnx(dir) ?? throw new ArgumentException($"{dir} has no model.onnx");

    /// <summary>The peer's seconds and CPU seconds for its embedding calls.</summary>
    private static (double Seconds, double CpuSeconds) Peer(string peerDir, IReadOnlyList<string> texts, string pooling, int threads, int batch)
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, texts.Select(t => JsonSerializer.Serialize(new { text = t })));
            string stdout = Node("embed-peer.mjs", peerDir, file, file + ".f32", pooling, threads.ToString(), batch.ToString());
            using var summary = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
            return (summary.RootElement.GetProperty("seconds").GetDouble(), summary.RootElement.GetProperty("cpu_seconds").GetDouble());
        }
        finally { File.Delete(file); File.Delete(file + ".f32"); }
    }

    private static string Node(params string[] args)
    {
        string tools = Path.Combine(RepoRoot(), "tests", "tools");
        var start = new ProcessStartInfo("node") { WorkingDirectory = tools, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(tools, args[0]));
        foreach (var x in args.Skip(1)) start.ArgumentList.Add(x);
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{args[0]} failed: {stderr.Result}");
        return stdout;
    }
}
