using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Clustering.Tests.Shared;
using Xunit.Abstractions;

namespace Clustering.Inference.Onnx.Tests;

/// <summary>
/// The built embedctl with a folder that holds model.onnx: `encode` and `run` pick ONNX Runtime from the folder alone.
/// The vectors are held to transformers.js's (cosine), and `run`'s Parquet, read back by DuckDB, to `encode`'s.
/// </summary>
public class EmbedctlOnnxTests(ITestOutputHelper output)
{
    /// <summary>The built embedctl.dll of the configuration these tests were built in.</summary>
    internal static string EmbedctlDll()
    {
        var config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = Path.Combine(Peer.RepoRoot, "clients", "Clustering.Cli", "bin", config, "net10.0", "embedctl.dll");
        Assert.True(File.Exists(dll), $"embedctl not built at {dll}");
        return dll;
    }

    internal static (int Code, string Stdout, string Stderr) Embedctl(string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", [EmbedctlDll(), .. args])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false), StandardOutputEncoding = Encoding.UTF8,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(180_000)) { p.Kill(entireProcessTree: true); Assert.Fail("embedctl did not finish in 3 minutes"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void EncodeAndRun_OnAnOnnxFolder_EqualThePeerAndEachOther()
    {
        var texts = Peer.CorpusTexts(60);
        string work = Directory.CreateTempSubdirectory("embedctl-onnx-").FullName;
        try
        {
            string input = Path.Combine(work, "docs.jsonl");
            File.WriteAllLines(input, texts.Select((t, i) => JsonSerializer.Serialize(new { id = $"d{i}", text = t })));

            var (code, stdout, stderr) = Embedctl(File.ReadAllText(input), "encode", "--model", PackagedModels.MiniLM, "--threads", "2");
            Assert.True(code == 0, $"encode exited {code}: {stderr}");
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(texts.Count, lines.Length);
            var encoded = new Dictionary<string, float[]>();
            foreach (var line in lines)
            {
                using var doc = JsonDocument.Parse(line);
                encoded[doc.RootElement.GetProperty("id").GetString()!] = doc.RootElement.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            }
            var (peer, _) = Peer.Embed(PackagedModels.MiniLM, texts, "mean", threads: 2);
            double worst = 1;
            for (int i = 0; i < texts.Count; i++) worst = Math.Min(worst, VectorMath.Cosine(encoded[$"d{i}"], peer.AsSpan(i * 384, 384)));
            output.WriteLine($"encode: {texts.Count} texts, worst cosine with transformers.js {worst:F9}");
            Assert.True(worst >= 0.9999, $"worst cosine {worst}");

            string outDir = Path.Combine(work, "out");
            (code, _, stderr) = Embedctl(null, "run", "--input", input, "--model", PackagedModels.MiniLM, "--output", outDir, "--threads", "2", "--shard-docs", "25");
            Assert.True(code == 0, $"run exited {code}: {stderr}");
            Assert.True(File.Exists(Path.Combine(outDir, "_SUCCESS")));
            using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "_manifest.json")));
            string manifestText = manifest.RootElement.GetRawText();
            Assert.Contains("\"mean\"", manifestText);
            Assert.Contains("384", manifestText);

            var rows = DuckDbRows($"SELECT id, embedding FROM read_parquet('{outDir}/*.parquet') ORDER BY id");
            Assert.Equal(texts.Count, rows.Count);
            foreach (var row in rows)
            {
                string id = row[0].GetString()!;
                var vector = row[1].EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
                Assert.Equal(encoded[id], vector); // the same engine, the same batching rules: the same floats
            }
        }
        finally { Directory.Delete(work, recursive: true); }
    }

    private static List<JsonElement[]> DuckDbRows(string sql)
    {
        var tools = Path.Combine(Peer.RepoRoot, "tests", "tools");
        var psi = new ProcessStartInfo("node", [Path.Combine(tools, "duckdb-query.mjs"), sql]) { WorkingDirectory = tools, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "duckdb-query.mjs: " + stderr.Result);
        using var doc = JsonDocument.Parse(stdout.Split('\n')[0]);
        return doc.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.Clone()).ToArray()).ToList();
    }
}
