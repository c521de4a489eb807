namespace Clustering.Pipeline.Tests;

/// <summary>
/// The CLI as a new user meets it with bad input: each case runs the real `embedctl` and asserts the documented exit
/// code (0 ok, 1 failed, 2 bad arguments or inputs refused before work), the first line of the message (what and
/// where, in words), that no .NET stack trace or "Unhandled exception" is printed, and that nothing claims success.
/// </summary>
public sealed class CliBadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clustering-badinput-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private string Corpus(int documents = 6)
    {
        var input = PathOf("corpus.jsonl");
        if (!File.Exists(input)) TestCorpus.Write(input, documents);
        return input;
    }

    private static string[] RunArgs(string input, string output, string? model = null, params string[] more) =>
        ["run", "--input", input, "--model", model ?? TestCorpus.DemoModel, "--output", output, "--max-length", "128",
            "--batch-tokens", "1024", "--threads", "1", "--quiet", .. more];

    /// <summary>Runs embedctl; asserts the exit code, no stack trace, and returns the first line of stderr.</summary>
    private static string Expect(int code, params string[] args)
    {
        var (actual, stdout, stderr) = Embedctl.Run(null, args);
        Assert.True(actual == code, $"exit {actual}, expected {code}: {stderr}");
        foreach (var text in new[] { stdout, stderr })
        {
            Assert.DoesNotContain("Unhandled exception", text);
            Assert.DoesNotContain("   at ", text); // a stack frame
            Assert.DoesNotContain("System.", text); // a .NET type name
        }
        return stderr.Split('\n')[0];
    }

    private void AssertNoSuccess(string output) => Assert.False(File.Exists(Path.Combine(output, "_SUCCESS")), $"{output}/_SUCCESS was written");

    [Fact]
    public void A_number_option_given_words_exits_2_naming_the_option_and_value_without_the_whole_help()
    {
        var (code, stdout, stderr) = Embedctl.Run(null, RunArgs(Corpus(), PathOf("out"), null, "--dimensions", "abc"));
        Assert.Equal(2, code);
        Assert.Equal(["embedctl run: --dimensions: 'abc' is not a whole number", "Try 'embedctl run --help'.", ""], stderr.Split('\n'));
        Assert.Equal("", stdout);
    }

    [Fact]
    public void An_unknown_codec_exits_2_listing_the_lowercase_names_and_the_help_shows_them_lowercase()
    {
        Assert.Equal("embedctl run: --compression: 'brotli' is not one of none, snappy, gzip, zstd",
            Expect(2, RunArgs(Corpus(), PathOf("out"), null, "--compression", "brotli")));
        var (code, help, _) = Embedctl.Run((string?)null, "run", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--compression <zstd|snappy|gzip|none>", help);
        Assert.Contains("--vector-type <list|fixed>", help);
        Assert.Contains("--text-mode <file|line>", help);
        Assert.DoesNotContain("Zstd", help);
        Assert.DoesNotContain("<Gzip", help);
    }

    [Fact]
    public void A_missing_required_option_and_an_unknown_option_exit_2()
    {
        Assert.Equal("embedctl run: Option '--model' is required.", Expect(2, "run", "--input", Corpus(), "--output", PathOf("out")));
        Assert.Equal("embedctl run: Unrecognized command or argument '--no-such-option'.",
            Expect(2, RunArgs(Corpus(), PathOf("out"), null, "--no-such-option")));
        Assert.Equal("embedctl: Required command was not provided.", Expect(2));
    }

    [Fact]
    public void A_model_folder_without_a_tokenizer_is_refused_before_any_work_naming_the_file()
    {
        var model = PathOf("model-without-tokenizer");
        Directory.CreateDirectory(model);
        foreach (var file in Directory.GetFiles(TestCorpus.DemoModel))
            if (Path.GetFileName(file) != "tokenizer.json") File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        foreach (var folder in Directory.GetDirectories(TestCorpus.DemoModel)) CopyFolder(folder, Path.Combine(model, Path.GetFileName(folder)));
        var output = PathOf("out");

        Assert.Equal($"embedctl run: {model}/tokenizer.json: not found: the model folder has no tokenizer (tokenizer.json, vocab.json + merges.txt, or a BERT vocab.txt)",
            Expect(2, RunArgs(Corpus(), output, model)));
        Assert.False(Directory.Exists(output) && Directory.EnumerateFiles(output, "*.parquet").Any(), "no part was written");
        AssertNoSuccess(output);
    }

    [Theory]
    [InlineData("not json at all", "(line 1, byte 2): not valid JSON (truncated or malformed)")]
    [InlineData("{\"model\": {\"type\": \"Foo\"}}", "($.model.type): unsupported model type \"Foo\" (supported: BPE, WordPiece, Unigram)")]
    [InlineData("", "(line 1, byte 1): not valid JSON (truncated or malformed)")]
    public void A_garbage_or_unsupported_tokenizer_is_refused_before_any_work_naming_the_file_and_field(string tokenizerJson, string expected)
    {
        var model = PathOf("model-bad-tokenizer");
        CopyFolder(TestCorpus.DemoModel, model);
        File.WriteAllText(Path.Combine(model, "tokenizer.json"), tokenizerJson);
        var output = PathOf("out");

        var first = Expect(2, RunArgs(Corpus(), output, model));
        Assert.StartsWith($"embedctl run: {model}/tokenizer.json {expected}", first);
        AssertNoSuccess(output);
    }

    [Fact]
    public void A_0_byte_weights_file_is_refused_naming_it()
    {
        var model = PathOf("model-empty-weights");
        CopyFolder(TestCorpus.DemoModel, model);
        File.WriteAllBytes(Path.Combine(model, "model.safetensors"), []);

        Assert.StartsWith($"embedctl run: {model}/model.safetensors", Expect(2, RunArgs(Corpus(), PathOf("out"), model)));
    }

    [Fact]
    public void An_output_that_is_a_file_or_inside_the_input_folder_is_refused()
    {
        var file = PathOf("existing-file");
        File.WriteAllText(file, "x");
        Assert.Equal($"embedctl run: --output {file}: is a file; give a folder (it is created when missing)", Expect(2, RunArgs(Corpus(), file)));

        var folder = PathOf("inputs");
        Directory.CreateDirectory(folder);
        TestCorpus.Write(Path.Combine(folder, "a.jsonl"), 3);
        Assert.Equal($"embedctl run: --output {folder}/out: is inside --input {folder}; a later run would read its own output as input",
            Expect(2, RunArgs(folder, Path.Combine(folder, "out"))));
        Assert.Equal($"embedctl run: --input {_dir}/o/in.jsonl: is inside --output {_dir}/o; publishing removes files the manifest does not name",
            Expect(2, RunArgs(Path.Combine(_dir, "o", "in.jsonl"), Path.Combine(_dir, "o"))));
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var folder in Directory.GetDirectories(from)) CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
    }
}
