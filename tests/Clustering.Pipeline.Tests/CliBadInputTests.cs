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
    [InlineData("not json at all", "(line 1, byte 2): not valid JSON: 'not json at all' is an invalid JSON literal")]
    [InlineData("{\"model\": {\"type\": \"BPE\"", "(line 1, byte 25): not valid JSON: it ends inside an object or array (truncated?)")]
    [InlineData("{\"model\": {\"type\": \"Foo\"}}", "($.model.type): unsupported model type \"Foo\" (supported: BPE, WordPiece, Unigram)")]
    [InlineData("", ": empty file")]
    public void A_garbage_or_unsupported_tokenizer_is_refused_before_any_work_naming_the_file_and_field(string tokenizerJson, string expected)
    {
        var model = PathOf("model-bad-tokenizer");
        CopyFolder(TestCorpus.DemoModel, model);
        File.WriteAllText(Path.Combine(model, "tokenizer.json"), tokenizerJson);
        var output = PathOf("out");

        var first = Expect(2, RunArgs(Corpus(), output, model));
        Assert.StartsWith($"embedctl run: {model}/tokenizer.json{(expected.StartsWith(':') ? "" : " ")}{expected}", first);
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

    /// <summary>A folder of one good file and every kind of bad file; returns the folder and the bad files' reasons.</summary>
    private (string Folder, string[] Bad) FolderWithBadFiles()
    {
        var folder = PathOf("mixed");
        Directory.CreateDirectory(folder);
        TestCorpus.Write(Path.Combine(folder, "a-good.jsonl"), 5);
        File.CreateSymbolicLink(Path.Combine(folder, "b-dangling.jsonl"), Path.Combine(_dir, "nowhere.jsonl"));
        File.CreateSymbolicLink(Path.Combine(folder, "c-loop.jsonl"), Path.Combine(folder, "c-loop.jsonl"));
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(folder, "d-fifo.jsonl"))) mkfifo.WaitForExit();
        File.WriteAllText(Path.Combine(folder, "e-not-gzip.jsonl.gz"), "{\"id\":\"p\",\"text\":\"plain text\"}\n");
        var gzip = new MemoryStream();
        using (var z = new System.IO.Compression.GZipStream(gzip, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            z.Write(File.ReadAllBytes(Corpus(400)));
        File.WriteAllBytes(Path.Combine(folder, "f-truncated.jsonl.gz"), gzip.ToArray()[..(int)(gzip.Length / 2)]);
        return (folder, [
            $"{folder}/b-dangling.jsonl: a dangling symbolic link (to {_dir}/nowhere.jsonl, which does not exist)",
            $"{folder}/c-loop.jsonl: a symbolic link that cannot be followed",
            $"{folder}/d-fifo.jsonl: not a regular file (a FIFO)",
            $"{folder}/e-not-gzip.jsonl.gz: corrupt gzip data: incorrect header check, after 0 lines",
            $"{folder}/f-truncated.jsonl.gz: gzip stream ends early (truncated file), after ",
        ]);
    }

    [Fact]
    public void Bad_files_refuse_the_job_naming_the_first_unless_skipped_and_then_the_summary_and_manifest_list_each()
    {
        var (folder, bad) = FolderWithBadFiles();
        var output = PathOf("out");

        Assert.Equal($"embedctl run: {bad[0]} (and 4 more bad files; --skip-bad-files embeds the others)", Expect(2, RunArgs(folder, output)));
        AssertNoSuccess(output);
        // Each named alone, too (a dangling link given as --input was a stack trace).
        foreach (var (file, reason) in Directory.GetFileSystemEntries(folder).Order().Skip(1).Zip(bad))
            Assert.StartsWith($"embedctl run: {reason}", Expect(2, RunArgs(file, PathOf("out-" + Path.GetFileName(file)))));

        var (code, _, stderr) = Embedctl.Run(null, RunArgs(folder, output, null, "--skip-bad-files"));
        Assert.True(code == 0, stderr);
        Assert.Contains("succeeded: 5 documents, 0 bad lines", stderr);
        var lines = stderr.Split('\n').Where(l => l.StartsWith("  skipped (--skip-bad-files): ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(bad.Length, lines.Length);
        var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "_manifest.json"))).RootElement;
        var skipped = manifest.GetProperty("skipped_files").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(bad.Length, skipped.Length);
        for (var i = 0; i < bad.Length; i++)
        {
            Assert.StartsWith(bad[i], skipped[i]);
            Assert.Equal("  skipped (--skip-bad-files): " + skipped[i], lines[i]);
        }
        Assert.Equal(5, DuckDb.Query($"SELECT count(DISTINCT id) FROM read_parquet('{DuckDb.Glob(output)}')")[0][0][0].GetInt64());
    }

    [Fact]
    public void Over_the_bad_record_budget_the_job_fails_with_the_counts_and_no_SUCCESS_and_a_budget_can_be_raised()
    {
        var input = PathOf("half-bad.jsonl");
        File.WriteAllText(input, "{\"id\":\"a\",\"text\":\"one\"}\nnot json\n{\"id\":\"b\",\"text\":\n{\"id\":\"c\",\"text\":\"three\"}\n");
        var output = PathOf("out");

        var (code, _, stderr) = Embedctl.Run(null, RunArgs(input, output));
        Assert.True(code == 1, stderr);
        var lines = stderr.Split('\n');
        Assert.StartsWith("job job-", lines[0]);
        Assert.Contains(": failed: 2 documents, 2 bad lines, ", lines[0]);
        Assert.Equal("  2 bad records of 4 (50%) is over --max-bad-records 10%", lines[1]);
        AssertNoSuccess(output);
        var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "_manifest.json"))).RootElement;
        Assert.Equal("failed", manifest.GetProperty("status").GetString());
        Assert.Equal("2 bad records of 4 (50%) is over --max-bad-records 10%", manifest.GetProperty("failure_reason").GetString());

        var raised = PathOf("out-raised");
        (code, _, stderr) = Embedctl.Run(null, RunArgs(input, raised, null, "--max-bad-records", "2"));
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(raised, "_SUCCESS")));
        Assert.Equal("embedctl run: --max-bad-records: '50 percent' is not a whole number of records or a percentage from 0% to 100% (e.g. 100 or 10%)",
            Expect(2, RunArgs(input, PathOf("out-bad"), null, "--max-bad-records", "50 percent")));
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var folder in Directory.GetDirectories(from)) CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
    }
}
