using System.Diagnostics;
using System.Text.Json;

namespace Clustering.Tokenizers.Tests;

/// <summary>
/// tests/tools/tokenizer-oracle.mjs: Hugging Face's tokenizers (npm 0.23.2, its Rust core) encodes texts and builds
/// tokenizer.json files from components, so our tokenizer is compared with the real thing, not with stored answers.
/// </summary>
internal static class TokenizerOracle
{
    private static string Tools => Path.Combine(TestPaths.RepoRoot, "tests", "tools");

    /// <summary>The ids (special tokens added) Hugging Face gives each text.</summary>
    public static int[][] Encode(string tokenizerJson, IReadOnlyList<string> texts)
    {
        string dir = Directory.CreateTempSubdirectory("oracle-").FullName;
        try
        {
            string input = Path.Combine(dir, "texts.jsonl"), output = Path.Combine(dir, "ids.jsonl");
            File.WriteAllLines(input, texts.Select(t => JsonSerializer.Serialize(new { text = t })));
            Run("encode", tokenizerJson, input, output);
            return File.ReadAllLines(output).Select(l => JsonSerializer.Deserialize<int[]>(l)!).ToArray();
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>A BERT tokenizer.json built by Hugging Face from vocab.txt (as transformers' BertConverter).</summary>
    public static void BuildBert(string vocabTxt, string outJson, bool lowercase) => Run("bert", vocabTxt, outJson, lowercase ? "true" : "false");

    /// <summary>A Unigram + Metaspace tokenizer.json built by Hugging Face from a spec (see the script's header).</summary>
    public static void BuildUnigram(object spec, string outJson)
    {
        string specFile = Path.GetTempFileName();
        try
        {
            File.WriteAllText(specFile, JsonSerializer.Serialize(spec));
            Run("unigram", specFile, outJson);
        }
        finally { File.Delete(specFile); }
    }

    private static void Run(params string[] args)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = Tools, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(Tools, "tokenizer-oracle.mjs"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3))) { process.Kill(entireProcessTree: true); throw new TimeoutException("tokenizer-oracle.mjs " + args[0]); }
        if (process.ExitCode != 0) throw new InvalidOperationException($"tokenizer-oracle.mjs {args[0]} failed ({process.ExitCode}): {stderr}");
        _ = stdout.Result;
    }
}
