using System.Text;
using System.Text.Json;

namespace Clustering.Pipeline.Tests;

/// <summary>
/// More of the CLI matrix (see <see cref="CliBadInputTests"/>): a folder of 1,000 empty files, a 0-byte config.json, NUL
/// bytes in text, a document at exactly --max-document-bytes and one byte over. Each: exit code, first line, no stack.
/// </summary>
public sealed class CliEdgeInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clustering-edge-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static string[] RunArgs(string input, string output, string? model = null, params string[] more) =>
        ["run", "--input", input, "--model", model ?? TestCorpus.DemoModel, "--output", output, "--max-length", "128",
            "--batch-tokens", "1024", "--threads", "1", "--quiet", .. more];

    private static string[] Expect(int code, params string[] args)
    {
        var (actual, stdout, stderr) = Embedctl.Run(null, args);
        Assert.True(actual == code, $"exit {actual}, expected {code}: {stderr}");
        foreach (var text in new[] { stdout, stderr })
        {
            Assert.DoesNotContain("Unhandled exception", text);
            Assert.DoesNotContain("   at ", text);
        }
        return stderr.Split('\n');
    }

    [Fact]
    public void A_folder_of_1000_empty_files_succeeds_with_0_documents_and_no_parts()
    {
        var folder = Directory.CreateDirectory(PathOf("empties")).FullName;
        for (var i = 0; i < 1000; i++) File.WriteAllBytes(Path.Combine(folder, $"f{i:D4}.jsonl"), []);
        var output = PathOf("out");

        var lines = Expect(0, RunArgs(folder, output));

        Assert.Contains(": succeeded: 0 documents, 0 bad lines, 0 empty texts, 0 duplicate ids, 0 tokens, 0 files in ", lines[0]);
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "_manifest.json"))).RootElement;
        Assert.Equal((0L, 0), (manifest.GetProperty("documents").GetInt64(), manifest.GetProperty("files").GetArrayLength()));
        Assert.Empty(Directory.GetFiles(output, "*.parquet"));
    }

    [Fact]
    public void A_0_byte_config_json_is_refused_naming_it_in_words()
    {
        var model = PathOf("model");
        Directory.CreateDirectory(model);
        foreach (var file in Directory.GetFiles(TestCorpus.DemoModel)) File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        File.WriteAllBytes(Path.Combine(model, "config.json"), []);
        var input = PathOf("in.jsonl");
        TestCorpus.Write(input, 3);

        Assert.Equal($"embedctl run: {model}/config.json: empty file", Expect(2, RunArgs(input, PathOf("out"), model))[0]);
        Assert.False(File.Exists(PathOf("out/_SUCCESS")));
    }

    [Fact]
    public void An_escaped_NUL_is_text_and_a_raw_NUL_byte_is_a_bad_line_naming_its_line()
    {
        var input = PathOf("nul.jsonl");
        var body = new StringBuilder();
        for (var i = 0; i < 20; i++) body.Append(JsonSerializer.Serialize(new { id = $"d{i}", text = TestCorpus.Text(i) })).Append('\n');
        body.Append("{\"id\":\"escaped\",\"text\":\"a\\u0000b\"}\n");
        body.Append("{\"id\":\"raw\",\"text\":\"a\0b\"}\n");
        File.WriteAllText(input, body.ToString());
        var output = PathOf("out");

        var lines = Expect(0, RunArgs(input, output));

        Assert.Contains(": succeeded: 21 documents, 1 bad lines, ", lines[0]);
        Assert.Equal(1, DuckDb.Scalar($"SELECT count(*) FROM read_parquet('{DuckDb.Glob(output)}') WHERE id = 'escaped'"));
        var error = JsonDocument.Parse(File.ReadAllLines(Directory.GetFiles(Path.Combine(output, "_errors"))[0])[0]).RootElement;
        Assert.Equal((input, 22), (error.GetProperty("source").GetString(), error.GetProperty("line").GetInt32()));
        Assert.StartsWith("malformed JSON: ", error.GetProperty("reason").GetString());
    }

    [Fact]
    public void A_document_of_exactly_max_document_bytes_is_embedded_and_one_byte_more_is_a_bad_line()
    {
        static string Line(string id, int bytes)
        {
            var bare = JsonSerializer.Serialize(new { id, text = "" });
            return JsonSerializer.Serialize(new { id, text = new string('x', bytes - bare.Length) });
        }
        var input = PathOf("edge.jsonl");
        File.WriteAllLines(input, [Line("exact", 300), Line("over", 301), .. Enumerable.Range(0, 20).Select(i => Line($"ok{i}", 100))]);
        var output = PathOf("out");

        var lines = Expect(0, RunArgs(input, output, null, "--max-document-bytes", "300"));

        Assert.Contains(": succeeded: 21 documents, 1 bad lines, ", lines[0]);
        Assert.Equal(1, DuckDb.Scalar($"SELECT count(*) FROM read_parquet('{DuckDb.Glob(output)}') WHERE id = 'exact'"));
        Assert.Equal(0, DuckDb.Scalar($"SELECT count(*) FROM read_parquet('{DuckDb.Glob(output)}') WHERE id = 'over'"));
        var error = JsonDocument.Parse(File.ReadAllLines(Directory.GetFiles(Path.Combine(output, "_errors"))[0])[0]).RootElement;
        Assert.Equal((2, "line of 301 bytes is over --max-document-bytes 300"), (error.GetProperty("line").GetInt32(), error.GetProperty("reason").GetString()));
    }
}
