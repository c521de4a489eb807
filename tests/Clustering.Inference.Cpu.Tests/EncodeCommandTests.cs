using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Clustering.Inference.Cpu.Tests;

/// <summary>`embedctl encode` as the built process: output lines, order, exact floats, bad lines, refusals.</summary>
public sealed class EncodeCommandTests
{
    private static readonly string Demo = Fixtures.Model("tiny-qwen3-embedding");

    private static (int Code, string[] Stdout, string Stderr) Encode(string stdin, params string[] args)
    {
        var config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = Path.Combine(Fixtures.RepoRoot, "clients", "Clustering.Cli", "bin", config, "net10.0", "embedctl.dll");
        Assert.True(File.Exists(dll), $"embedctl not built at {dll}");
        var psi = new ProcessStartInfo("dotnet", [dll, "encode", .. args])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false), StandardOutputEncoding = Encoding.UTF8,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        Assert.True(p.WaitForExit(60_000), "embedctl encode did not finish");
        return (p.ExitCode, stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries), stderr.Result);
    }

    [Fact]
    public void Lines_come_back_in_input_order_with_exact_floats_and_bad_lines_reported()
    {
        var texts = new[] { "a rather longer text so that batches get sorted by length", "short", "", "mid length text here" };
        var input = new StringBuilder();
        for (var i = 0; i < texts.Length; i++) input.Append(JsonSerializer.Serialize(new { id = $"doc{i}", text = texts[i] })).Append('\n');
        input.Append("not json\n");
        input.Append("{\"id\": 7}\n");
        input.Append('\n');
        input.Append("{\"id\": 8, \"text\": 5}\n");
        var (code, lines, stderr) = Encode(input.ToString(), "--model", Demo, "--threads", "1");
        Assert.Equal(1, code);
        Assert.Contains("7 lines, 4 encoded, 3 errors", stderr);
        Assert.Equal(7, lines.Length);

        using var model = EmbeddingModel.Load(Demo, new EmbeddingOptions(), new CpuOps(new CpuOptions { Threads = 1 }));
        for (var i = 0; i < texts.Length; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var r = doc.RootElement;
            Assert.Equal($"doc{i}", r.GetProperty("id").GetString());
            var ids = model.Tokenize(texts[i]).Ids;
            Assert.Equal(ids.Length, r.GetProperty("n_tokens").GetInt32());
            var expected = new float[model.Dimensions];
            model.Embed([ids], expected);
            // Shortest round-trip printing: parsing gives back the very same floats.
            Assert.Equal(expected, r.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray());
        }
        Assert.Equal("{\"id\":null,\"line\":5,\"error\":", lines[4][..28]);
        Assert.Contains("not JSON", lines[4]);
        Assert.Equal("{\"id\":7,\"line\":6,\"error\":\"no \\\"text\\\" field\"}", lines[5]);
        Assert.Equal("{\"id\":8,\"line\":8,\"error\":\"\\\"text\\\" is Number, not a string\"}", lines[6]);
    }

    [Fact]
    public void Options_change_the_vectors_as_asked()
    {
        var (code, lines, _) = Encode("{\"id\":1,\"text\":\"hello\"}\n", "--model", Demo, "--dimensions", "5", "--instruction", "Find it", "--max-length", "4");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(lines[0]);
        Assert.Equal(5, doc.RootElement.GetProperty("embedding").GetArrayLength());
        Assert.Equal(4, doc.RootElement.GetProperty("n_tokens").GetInt32()); // the instruction is longer than 4 tokens: truncated
    }

    [Theory]
    [InlineData("--dimensions", "65", "--dimensions 65 is outside 1..64")]
    [InlineData("--dimensions", "0", "--dimensions: must be positive (got 0)")]
    [InlineData("--prompt-name", "nope", "unknown prompt name \"nope\"")]
    [InlineData("--device", "tpu", "--device tpu: expected cpu, cuda or cuda:0,1")]
    [InlineData("--max-length", "100000", "--max-length 100000 is outside")]
    public void Bad_options_are_refused_with_a_clear_message(string option, string value, string message)
    {
        var (code, lines, stderr) = Encode("{\"id\":1,\"text\":\"x\"}\n", "--model", Demo, option, value);
        Assert.Equal(2, code);
        Assert.Empty(lines);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void Unknown_prompt_names_list_the_models_prompts()
    {
        var (_, _, stderr) = Encode("", "--model", Demo, "--prompt-name", "nope");
        Assert.Contains("the model's prompts are: document, query", stderr);
    }

    [Fact]
    public void Chunked_lines_are_hugging_faces_windows_in_input_order()
    {
        // Hugging Face tokenizers (tests/tools/chunk-oracle.mjs) cut the same texts: windows of 6 tokens, overlap 2.
        var texts = new[] { "Grüße aus Köln, 東京は日本の首都です。 emoji 😀🎉 and a few more words to cut", "short", "नमस्ते दुनिया, यह एक परीक्षण है।" };
        var dir = Directory.CreateTempSubdirectory("clustering-encode-chunks-").FullName;
        try
        {
            var textsFile = Path.Combine(dir, "texts.jsonl");
            File.WriteAllLines(textsFile, texts.Select((t, i) => JsonSerializer.Serialize(new { id = $"t{i}", text = t })));
            var oracle = Path.Combine(dir, "oracle.jsonl");
            var node = Process.Start(new ProcessStartInfo("node", [Path.Combine(Fixtures.RepoRoot, "tests", "tools", "chunk-oracle.mjs"),
                Path.Combine(Demo, "tokenizer.json"), textsFile, "6", "2", oracle]) { RedirectStandardError = true })!;
            var nodeErrors = node.StandardError.ReadToEnd();
            node.WaitForExit();
            Assert.True(node.ExitCode == 0, nodeErrors);
            var expected = File.ReadAllLines(oracle).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

            var input = string.Concat(texts.Select((t, i) => JsonSerializer.Serialize(new { id = $"t{i}", text = t }) + "\n")) + "{\"id\":\"bad\"}\n";
            var (code, lines, stderr) = Encode(input, "--model", Demo, "--threads", "1", "--chunk-tokens", "6", "--chunk-overlap", "2");
            Assert.Equal(1, code);
            Assert.Contains("4 lines, 3 encoded, 1 errors", stderr);
            Assert.Equal(expected.Count + 1, lines.Length);
            using var model = EmbeddingModel.Load(Demo, new EmbeddingOptions(), new CpuOps(new CpuOptions { Threads = 1 }));
            for (var i = 0; i < expected.Count; i++)
            {
                using var doc = JsonDocument.Parse(lines[i]);
                var (r, e) = (doc.RootElement, expected[i]);
                foreach (var field in new[] { "chunk", "char_start", "char_end", "n_tokens" })
                    Assert.Equal(e.GetProperty(field).GetInt32(), r.GetProperty(field).GetInt32());
                Assert.Equal(e.GetProperty("id").GetString(), r.GetProperty("id").GetString());
                var want = new float[model.Dimensions];
                model.Embed([e.GetProperty("ids").EnumerateArray().Select(v => v.GetInt32()).ToArray()], want);
                Assert.Equal(want, r.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray());
            }
            Assert.Contains("\"error\"", lines[^1]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(new[] { "--chunk-overlap", "2" }, "--chunk-overlap needs --chunk-tokens")]
    [InlineData(new[] { "--chunk-tokens", "4", "--chunk-overlap", "4" }, "--chunk-overlap: must be at least 0 and below --chunk-tokens 4 (got 4)")]
    [InlineData(new[] { "--chunk-tokens", "0" }, "--chunk-tokens: must be at least 1 (got 0)")]
    [InlineData(new[] { "--chunk-tokens", "4", "--tokenizer", "tests/fixtures/tokenizers/metaspace-bpe/tokenizer.json" }, "is not byte-level BPE")]
    public void Bad_chunk_options_are_refused(string[] options, string message)
    {
        var (code, lines, stderr) = Encode("{\"id\":1,\"text\":\"x\"}\n", ["--model", Demo, .. options.Select(o => o.StartsWith("tests/", StringComparison.Ordinal) ? Path.Combine(Fixtures.RepoRoot, o) : o)]);
        Assert.Equal(2, code);
        Assert.Empty(lines);
        Assert.Contains(message, stderr);
    }
}
