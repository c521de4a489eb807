using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Clustering.Tests.Shared;

namespace Clustering.Inference.Onnx.Tests;

/// <summary>
/// The independent pipeline of tests/tools/embed-peer.mjs: transformers.js 4.3.1 on onnxruntime-node, over the same
/// model.onnx, with a tokenizer.json that Hugging Face's tokenizers builds from the same vocab.txt.
/// </summary>
internal static class Peer
{
    public static string RepoRoot { get; } = FindRoot();
    private static string Tools => Path.Combine(RepoRoot, "tests", "tools");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Clustering.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A transformers.js model folder for a packaged model (config, tokenizer files, onnx/model.onnx as a link).</summary>
    public static string FolderFor(string modelDir)
    {
        string peer = Path.Combine(Path.GetDirectoryName(modelDir)!, "peer-" + Path.GetFileName(modelDir));
        if (File.Exists(Path.Combine(peer, "tokenizer.json"))) return peer;
        Directory.CreateDirectory(Path.Combine(peer, "onnx"));
        string link = Path.Combine(peer, "onnx", "model.onnx");
        if (!File.Exists(link)) File.CreateSymbolicLink(link, Path.Combine(modelDir, "model.onnx"));
        File.Copy(Path.Combine(modelDir, "config.json"), Path.Combine(peer, "config.json"), overwrite: true);
        File.Copy(Path.Combine(modelDir, "tokenizer_config.json"), Path.Combine(peer, "tokenizer_config.json"), overwrite: true);
        Node("tokenizer-oracle.mjs", "bert", Path.Combine(modelDir, "vocab.txt"), Path.Combine(peer, "tokenizer.json"), "true");
        return peer;
    }

    /// <summary>
    /// The peer's normalized vectors (texts, hidden): each text tokenized by Hugging Face's tokenizers (truncated to
    /// 512 tokens as it truncates), then run, pooled and normalized by transformers.js. Not transformers.js's own
    /// tokenizer: on rare characters it differs from Hugging Face's (it does not split CJK Extension B ideographs as
    /// BertNormalizer does), and Hugging Face's is the one ours is held to.
    /// </summary>
    public static (float[] Vectors, int Dimensions) Embed(string modelDir, IReadOnlyList<string> texts, string pooling, int threads = 0)
    {
        string peer = FolderFor(modelDir);
        string dir = Directory.CreateTempSubdirectory("peer-").FullName;
        try
        {
            string textsFile = Path.Combine(dir, "texts.jsonl"), idsFile = Path.Combine(dir, "ids.jsonl"), input = Path.Combine(dir, "input.jsonl");
            File.WriteAllLines(textsFile, texts.Select(t => JsonSerializer.Serialize(new { text = t })));
            Node("tokenizer-oracle.mjs", "encode", Path.Combine(peer, "tokenizer.json"), textsFile, idsFile, "512");
            File.WriteAllLines(input, File.ReadLines(idsFile).Select(ids => "{\"ids\":" + ids + "}"));
            var (vectors, dimensions, _) = Run(peer, input, pooling, threads, batch: 32);
            return (vectors, dimensions);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>transformers.js's feature-extraction pipeline on the texts as they are (its own tokenizer): vectors and the seconds its calls took.</summary>
    public static (float[] Vectors, int Dimensions, double Seconds) EmbedTexts(string modelDir, IReadOnlyList<string> texts, string pooling, int threads, int batch)
    {
        string peer = FolderFor(modelDir);
        string dir = Directory.CreateTempSubdirectory("peer-").FullName;
        try
        {
            string input = Path.Combine(dir, "texts.jsonl");
            File.WriteAllLines(input, texts.Select(t => JsonSerializer.Serialize(new { text = t })));
            return Run(peer, input, pooling, threads, batch);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static (float[] Vectors, int Dimensions, double Seconds) Run(string peer, string input, string pooling, int threads, int batch)
    {
        string output = input + ".f32";
        string stdout = Node("embed-peer.mjs", peer, input, output, pooling, threads.ToString(), batch.ToString());
        using var summary = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        var vectors = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(output)).ToArray();
        return (vectors, summary.RootElement.GetProperty("dimensions").GetInt32(), summary.RootElement.GetProperty("seconds").GetDouble());
    }

    private static string Node(params string[] args)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = Tools, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(Tools, args[0]));
        foreach (var a in args.Skip(1)) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5))) { process.Kill(entireProcessTree: true); throw new TimeoutException(args[0]); }
        if (process.ExitCode != 0) throw new InvalidOperationException($"{args[0]} failed ({process.ExitCode}): {stderr.Result}");
        return stdout;
    }

    /// <summary>The first <paramref name="count"/> texts of the repository's varied corpus (cut to 2,000 characters; some run past 512 tokens).</summary>
    public static List<string> CorpusTexts(int count)
    {
        var texts = new List<string>();
        foreach (var line in File.ReadLines(Path.Combine(RepoRoot, "tests", "fixtures", "corpus", "sample.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            if (!doc.RootElement.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String) continue;
            string text = t.GetString()!;
            if (text.Length > 2000) text = text[..2000];
            if (text.Length > 0 && char.IsHighSurrogate(text[^1])) text = text[..^1];
            texts.Add(text);
            if (texts.Count == count) break;
        }
        return texts;
    }
}
