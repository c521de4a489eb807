namespace Clustering.Integration.Tests;

/// <summary>
/// `embed-silo --allow-paths` against symbolic links, through the real silo and `embedctl submit`: an input, an
/// output or a model that resolves outside the allowed folder through a link is refused at submit (exit 2, the field
/// named), a model folder with one file linked outside too; a link inside an allowed input folder is refused when the
/// silo opens it, so the secret never reaches an output.
/// </summary>
public sealed class AllowPathsTests : IAsyncLifetime
{
    private ChildProcess _silo = null!;
    private string _work = null!;
    private string _url = null!;

    private string Allowed => Path.Combine(_work, "allowed");
    private string Outside => Path.Combine(_work, "outside");

    public async Task InitializeAsync()
    {
        _work = Directory.CreateTempSubdirectory("clustering-it-allow-").FullName;
        Directory.CreateDirectory(Path.Combine(Allowed, "corpus"));
        Directory.CreateDirectory(Path.Combine(Outside, "out"));
        File.WriteAllText(Path.Combine(Allowed, "corpus", "good.jsonl"), "{\"id\":\"a\",\"text\":\"allowed text\"}\n");
        File.WriteAllText(Path.Combine(Outside, "secret.jsonl"), "{\"id\":\"s\",\"text\":\"the secret\"}\n");
        File.CreateSymbolicLink(Path.Combine(Allowed, "in-link.jsonl"), Path.Combine(Outside, "secret.jsonl"));
        Directory.CreateSymbolicLink(Path.Combine(Allowed, "out-link"), Path.Combine(Outside, "out"));
        Directory.CreateSymbolicLink(Path.Combine(Allowed, "model-link"), RepoPaths.TinyModel);
        // A model folder inside, but its tokenizer is a link to a copy outside.
        var model = Directory.CreateDirectory(Path.Combine(Allowed, "model")).FullName;
        CopyFolder(RepoPaths.TinyModel, model);
        File.Copy(Path.Combine(model, "tokenizer.json"), Path.Combine(Outside, "tokenizer.json"));
        File.Delete(Path.Combine(model, "tokenizer.json"));
        File.CreateSymbolicLink(Path.Combine(model, "tokenizer.json"), Path.Combine(Outside, "tokenizer.json"));
        // A folder input with a link inside it to the secret.
        Directory.CreateDirectory(Path.Combine(Allowed, "mixed"));
        File.Copy(Path.Combine(Allowed, "corpus", "good.jsonl"), Path.Combine(Allowed, "mixed", "good.jsonl"));
        File.CreateSymbolicLink(Path.Combine(Allowed, "mixed", "z-link.jsonl"), Path.Combine(Outside, "secret.jsonl"));

        var port = TemporaryPostgres.FreePort();
        _url = $"http://127.0.0.1:{port}";
        _silo = ChildProcess.Start(RepoPaths.Silo,
            ["--store", "sqlite:" + Path.Combine(_work, "cluster.db"), "--listen", _url, "--name", "allow-test", "--threads", "1",
                "--workers", "1", "--retry-base-seconds", "1", "--allow-paths", Allowed, .. SiloPorts.FreeArgs()],
            new Dictionary<string, string> { ["CLUSTERING_TOKEN"] = TestCluster.Token });
        await _silo.WaitForLineAsync("listening ", TimeSpan.FromSeconds(120));
    }

    public Task DisposeAsync()
    {
        _silo.Dispose();
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private Task<(int Exit, string Stdout, string Stderr)> SubmitAsync(string input, string model, string output) =>
        TestCluster.CliAsync(["submit", "--cluster", _url, "-i", input, "-m", model, "-o", output, "--max-length", "512"],
            new Dictionary<string, string> { ["CLUSTERING_TOKEN"] = TestCluster.Token });

    [Fact]
    public async Task Links_out_of_the_allowed_folder_are_refused_naming_the_field_and_never_read()
    {
        var good = Path.Combine(Allowed, "corpus", "good.jsonl");
        var model = RepoPaths.TinyModel;
        var cases = new (string Input, string Model, string Output, string Expected)[]
        {
            (Path.Combine(Allowed, "in-link.jsonl"), Path.Combine(Allowed, "model-link"), Path.Combine(Allowed, "o1"),
                $"inputs[0] '{Path.Combine(Allowed, "in-link.jsonl")}': resolves through a symbolic link to '{Path.Combine(Outside, "secret.jsonl")}', outside the folders this silo allows (--allow-paths)"),
            (good, Path.Combine(Allowed, "model-link"), Path.Combine(Allowed, "o2"),
                $"model '{Path.Combine(Allowed, "model-link")}': resolves through a symbolic link to '{model}', outside the folders this silo allows (--allow-paths)"),
            (good, Path.Combine(Allowed, "model"), Path.Combine(Allowed, "out-link", "run"),
                $"output '{Path.Combine(Allowed, "out-link", "run")}': resolves through a symbolic link to '{Path.Combine(Outside, "out", "run")}', outside the folders this silo allows (--allow-paths)"),
            (good, Path.Combine(Allowed, "model"), Path.Combine(Allowed, "o3"),
                $"model file '{Path.Combine(Allowed, "model", "tokenizer.json")}': resolves through a symbolic link to '{Path.Combine(Outside, "tokenizer.json")}', outside the folders this process allows (--allow-paths)"),
            (Path.Combine(Allowed, "corpus", "..", "..", "outside", "secret.jsonl"), Path.Combine(Allowed, "model"), Path.Combine(Allowed, "o4"),
                // embedctl sends the path made absolute and normalized; the silo judges that.
                $"inputs[0] '{Path.Combine(Outside, "secret.jsonl")}': outside the folders this silo allows (--allow-paths)"),
            // A file:// URI is a local path too, not a blob URI that the storage layer's credentials decide.
            (good, Path.Combine(Allowed, "model"), new Uri(Path.Combine(Outside, "o7")).AbsoluteUri,
                $"output '{new Uri(Path.Combine(Outside, "o7")).AbsoluteUri}': outside the folders this silo allows (--allow-paths)"),
        };
        foreach (var (input, m, output, expected) in cases)
        {
            var (exit, stdout, stderr) = await SubmitAsync(input, m, output);
            Assert.True(exit == 2, $"{input} {m} {output}: exit {exit}\n{stdout}{stderr}");
            Assert.True(stderr.Contains(expected, StringComparison.Ordinal), $"expected: {expected}\ngot: {stderr}");
            Assert.DoesNotContain("Unhandled exception", stderr);
            Assert.Equal("", stdout);
        }
        Assert.False(Directory.Exists(Path.Combine(Outside, "out", "run")));
        Assert.False(Directory.Exists(Path.Combine(Outside, "o7")));

        // The folder is allowed, the link in it is not: the silo refuses it when it opens it, and the secret reaches no output.
        var mixed = await SubmitAsync(Path.Combine(Allowed, "mixed"), Path.Combine(Allowed, "model-copy-none"), Path.Combine(Allowed, "o5"));
        Assert.Equal(2, mixed.Exit); // (a model that does not exist, refused at submit too)
        var copy = Directory.CreateDirectory(Path.Combine(Allowed, "model-copy")).FullName;
        CopyFolder(RepoPaths.TinyModel, copy);
        var accepted = await SubmitAsync(Path.Combine(Allowed, "mixed"), copy, Path.Combine(Allowed, "o6"));
        Assert.True(accepted.Exit == 0, accepted.Stderr);
        var job = accepted.Stdout.Trim();
        await _silo.WaitForLineAsync($"file '{Path.Combine(Allowed, "mixed", "z-link.jsonl")}'", TimeSpan.FromSeconds(120));
        Assert.Contains($"file '{Path.Combine(Allowed, "mixed", "z-link.jsonl")}': resolves through a symbolic link to '{Path.Combine(Outside, "secret.jsonl")}'", _silo.Output);
        var status = await TestCluster.CliAsync(["status", job, "--cluster", _url], new Dictionary<string, string> { ["CLUSTERING_TOKEN"] = TestCluster.Token });
        Assert.DoesNotContain("succeeded", status.Stdout + status.Stderr);
        foreach (var file in Directory.Exists(Path.Combine(Allowed, "o6")) ? Directory.GetFiles(Path.Combine(Allowed, "o6"), "*", SearchOption.AllDirectories) : [])
            Assert.DoesNotContain("the secret", File.ReadAllText(file));
    }
}
