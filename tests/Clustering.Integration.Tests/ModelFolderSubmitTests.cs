using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Clustering.Client;

namespace Clustering.Integration.Tests;

/// <summary>
/// A bad model folder is refused by the real embed-silo at submit, before anything is planned or recorded: POST /v1/jobs
/// answers 400 with the very message `embedctl run` gives for the same folder (`&lt;file&gt; (&lt;field&gt;): &lt;reason&gt;`),
/// GET /v1/jobs lists no job, and `embedctl submit` prints it and exits 2. `embedctl run` is the oracle for the message:
/// both go through one check (ModelFolderCheck), so they must agree word for word.
/// </summary>
public sealed class ModelFolderSubmitTests : IAsyncLifetime
{
    private ChildProcess _silo = null!;
    private string _work = null!;
    private Uri _url = null!;
    private string _corpus = null!;

    private static Dictionary<string, string> Env => new() { ["CLUSTERING_TOKEN"] = TestCluster.Token };

    public async Task InitializeAsync()
    {
        _work = Directory.CreateTempSubdirectory("clustering-it-model-").FullName;
        _corpus = Path.Combine(_work, "corpus.jsonl");
        TestCorpus.Write(_corpus, 0, 3);
        var port = TemporaryPostgres.FreePort();
        _url = new Uri($"http://127.0.0.1:{port}/");
        _silo = ChildProcess.Start(RepoPaths.Silo,
            ["--store", "sqlite:" + Path.Combine(_work, "cluster.db"), "--listen", $"http://127.0.0.1:{port}", "--name", "model-test", "--threads", "1", "--workers", "1"],
            Env);
        await _silo.WaitForLineAsync("listening ", TimeSpan.FromSeconds(120));
    }

    public Task DisposeAsync()
    {
        _silo.Dispose();
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>A copy of the demo model named <paramref name="name"/>, changed by <paramref name="spoil"/>.</summary>
    private string Model(string name, Action<string> spoil)
    {
        var model = Path.Combine(_work, name);
        foreach (var file in Directory.GetFiles(RepoPaths.TinyModel, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(model, Path.GetRelativePath(RepoPaths.TinyModel, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        spoil(model);
        return model;
    }

    [Fact]
    public async Task A_bad_model_folder_is_refused_at_submit_with_runs_message_and_no_job_is_recorded()
    {
        var cases = new (string Model, string Expected)[]
        {
            (Model("no-tokenizer", m => File.Delete(Path.Combine(m, "tokenizer.json"))),
                "/tokenizer.json: not found: the model folder has no tokenizer (tokenizer.json, vocab.json + merges.txt, or a BERT vocab.txt)"),
            (Model("garbage-tokenizer", m => File.WriteAllText(Path.Combine(m, "tokenizer.json"), "not json at all")),
                "/tokenizer.json (line 1, byte 2): not valid JSON: "),
            (Model("unsupported-tokenizer", m => File.WriteAllText(Path.Combine(m, "tokenizer.json"), "{\"model\": {\"type\": \"Foo\"}}")),
                "/tokenizer.json ($.model.type): unsupported model type \"Foo\" (supported: BPE, WordPiece, Unigram)"),
            (Model("empty-config", m => File.WriteAllBytes(Path.Combine(m, "config.json"), [])), "/config.json: empty file"),
            (Model("no-weights", m => File.Delete(Path.Combine(m, "model.safetensors"))), ": no model.safetensors or model.safetensors.index.json in the model directory"),
        };
        using var http = new HttpClient { BaseAddress = _url, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestCluster.Token);

        foreach (var (model, expected) in cases)
        {
            var output = Path.Combine(_work, "out-" + Path.GetFileName(model));
            // The oracle: what `embedctl run` says about this folder (it refuses it before any work, exit 2).
            var run = await TestCluster.CliAsync(["run", "-i", _corpus, "-m", model, "-o", output + "-run", "--quiet"]);
            Assert.True(run.Exit == 2, $"{model}: run exit {run.Exit}\n{run.Stderr}");
            var message = run.Stderr.Split('\n')[0]["embedctl run: ".Length..];
            Assert.StartsWith(model + expected, message);

            var spec = new JobSpec { Inputs = [_corpus], Model = model, Output = output };
            using var response = await http.PostAsync("v1/jobs", new StringContent(spec.ToJson(), Encoding.UTF8, "application/json"));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{model}: {(int)response.StatusCode} {body}");
            Assert.Equal(message, System.Text.Json.JsonSerializer.Deserialize(body, ApiJson.Default.ApiError)!.Error);

            var submit = await TestCluster.CliAsync(["submit", "--cluster", _url.ToString(), "-i", _corpus, "-m", model, "-o", output], Env);
            Assert.True(submit.Exit == 2, $"{model}: submit exit {submit.Exit}\n{submit.Stderr}");
            Assert.Equal($"embedctl submit: POST {_url}v1/jobs: 400 Bad Request: {message}", submit.Stderr.Split('\n')[0]);
            Assert.Equal("", submit.Stdout);
            Assert.DoesNotContain("Unhandled exception", submit.Stderr);
            Assert.False(Directory.Exists(output), $"{output} was made");
        }

        using var list = await http.GetAsync("v1/jobs");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal("[]", (await list.Content.ReadAsStringAsync()).Trim());

        // The same silo takes the good folder: the refusals above were about the folders, not the request.
        var good = await TestCluster.CliAsync(["submit", "--cluster", _url.ToString(), "-i", _corpus, "-m", RepoPaths.TinyModel, "-o", Path.Combine(_work, "good")], Env);
        Assert.True(good.Exit == 0, good.Stderr);
    }
}
