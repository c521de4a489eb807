using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Clustering.Integration.Tests;

/// <summary>
/// One validation for every entry point (issue 11, item 9): the same bad value given to `embedctl run`, `submit`,
/// `schedule create`, `stream create`, `encode` and `serve`, and posted to the silo's /v1/jobs and /v1/schedules, is
/// refused before any work with the same message after each entry point's own prefix ("embedctl run: ", "job spec: ",
/// ...). Before, a bad field path or document size passed the submit and failed the job at planning, and `encode`
/// worded its limits its own way. One real silo (SQLite store) and the real CLI. (/v1/streams calls the same
/// JobSpec.Validate, but only after checking that its silos read the source, which needs a queue service: the stream
/// tests cover that route.)
/// </summary>
public sealed class OptionRefusalTests : IAsyncLifetime
{
    private const string Source = "azqueue://devstoreaccount1/refusals";
    private ChildProcess _silo = null!;
    private Uri _url = null!;
    private string _work = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public async Task InitializeAsync()
    {
        _work = Directory.CreateTempSubdirectory("clustering-it-refusals-").FullName;
        File.WriteAllText(Path.Combine(_work, "corpus.jsonl"), "{\"id\":\"1\",\"text\":\"one\"}\n");
        var port = TemporaryPostgres.FreePort();
        _url = new Uri($"http://127.0.0.1:{port}/");
        using var defaults = SiloPorts.HoldDefaults();
        _silo = ChildProcess.Start(RepoPaths.Silo,
            ["--store", "sqlite:" + Path.Combine(_work, "cluster.db"), "--listen", $"http://127.0.0.1:{port}", "--name", "refusal-test", "--threads", "1",
             .. SiloPorts.FreeArgs()],
            new Dictionary<string, string> { ["CLUSTERING_TOKEN"] = TestCluster.Token });
        await _silo.WaitForLineAsync("listening ", TimeSpan.FromSeconds(60));
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestCluster.Token);
    }

    public Task DisposeAsync()
    {
        _silo.Dispose();
        _http.Dispose();
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    /// <summary>Where each entry point takes the value: which commands have the flag, which API bodies the spec field.</summary>
    [Flags]
    public enum Takes { Jobs = 1, Streams = 2, Encode = 4, Serve = 8 }

    [Theory]
    [InlineData("--batch-tokens", "0", Takes.Jobs | Takes.Streams | Takes.Encode | Takes.Serve, "--batch-tokens: must be at least 1 (got 0)")]
    [InlineData("--id-field", "meta..id", Takes.Jobs | Takes.Streams, "--id-field: 'meta..id' is not a field path (names separated by single dots)")]
    [InlineData("--max-document-bytes", "5", Takes.Jobs, "--max-document-bytes: must be 16 to 1073741824 (got 5)")]
    [InlineData("--threads", "-1", Takes.Jobs | Takes.Encode | Takes.Serve, "--threads: must be 0 (all cores) or more (got -1)")]
    [InlineData("--chunk-overlap", "4", Takes.Jobs | Takes.Encode, "--chunk-overlap: must be at least 0 and below --chunk-tokens 4 (got 4)")]
    public async Task The_same_bad_value_gets_the_same_message_from_every_entry_point(string option, string value, Takes takes, string message)
    {
        // --chunk-overlap is checked against --chunk-tokens: give both, the overlap as large as the window.
        string[] bad = option == "--chunk-overlap" ? ["--chunk-tokens", "4", option, value] : [option, value];
        var input = Path.Combine(_work, "corpus.jsonl");
        string[] job = ["--model", RepoPaths.TinyModel, "--output", Path.Combine(_work, "out"), .. bad];
        var cluster = new[] { "--cluster", _url.ToString(), "--token", TestCluster.Token };
        var refusals = new List<(string EntryPoint, string Message)>();

        async Task Cli(string name, params string[] args)
        {
            var (exit, stdout, stderr) = await TestCluster.CliAsync(args, stdin: "{\"id\":1,\"text\":\"x\"}\n", timeout: TimeSpan.FromMinutes(2));
            Assert.True(exit == 2, $"embedctl {name} {string.Join(' ', bad)}: exit {exit}, expected 2: {stderr}");
            Assert.Equal("", stdout);
            var first = stderr.Split('\n')[0];
            var prefix = $"embedctl {name}: ";
            Assert.StartsWith(prefix, first);
            refusals.Add(($"embedctl {name}", first[prefix.Length..]));
        }

        async Task Api(string path, string prefix, object body)
        {
            using var response = await _http.PostAsync(new Uri(_url, path), new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"POST /{path} with {option} {value}: {(int)response.StatusCode} {text}");
            var error = JsonSerializer.Deserialize(text, Clustering.Client.ApiJson.Default.ApiError)!.Error;
            Assert.StartsWith(prefix, error);
            refusals.Add(($"POST /{path}", error[prefix.Length..]));
        }

        if (takes.HasFlag(Takes.Jobs))
        {
            await Cli("run", ["run", "--input", input, .. job]);
            await Cli("submit", ["submit", "--input", input, .. job, .. cluster]);
            await Cli("schedule create", ["schedule", "create", "nightly", "--rule", "@daily", "--input", input, .. job, .. cluster]);
            var spec = JsonElementOf(SpecWith(input, option, value));
            await Api("v1/jobs", "job spec: ", spec);
            await Api("v1/schedules", "schedule job: ", new { id = "nightly", rule = "@daily", job = spec });
        }
        if (takes.HasFlag(Takes.Streams))
        {
            await Cli("stream create", ["stream", "create", "refused", "--source", Source, .. job, .. cluster]);
        }
        if (takes.HasFlag(Takes.Encode)) await Cli("encode", ["encode", "--model", RepoPaths.TinyModel, .. bad]);
        if (takes.HasFlag(Takes.Serve)) await Cli("serve", ["serve", "--model", RepoPaths.TinyModel, .. bad]);

        Assert.True(refusals.Count >= 4, $"{refusals.Count} entry points tried");
        foreach (var (entryPoint, refusal) in refusals) Assert.True(message == refusal, $"{entryPoint}: '{refusal}', expected '{message}'");
        Assert.False(Directory.Exists(Path.Combine(_work, "out")), "a refused job wrote output");
    }

    /// <summary>The job spec the API takes, with the one bad value set in the record that owns it.</summary>
    private JobSpec SpecWith(string input, string option, string value)
    {
        var spec = new JobSpec { Inputs = [input], Model = RepoPaths.TinyModel, Output = Path.Combine(_work, "out") };
        var n = option == "--id-field" ? 0 : int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        return option switch
        {
            "--batch-tokens" => spec with { Embed = spec.Embed with { BatchTokens = n } },
            "--id-field" => spec with { Input = spec.Input with { IdField = value } },
            "--max-document-bytes" => spec with { Input = spec.Input with { MaxDocumentBytes = n } },
            "--threads" => spec with { Embed = spec.Embed with { Threads = n } },
            "--chunk-overlap" => spec with { Embed = spec.Embed with { ChunkTokens = 4, ChunkOverlap = n } },
            _ => throw new ArgumentException(option),
        };
    }

    private static JsonElement JsonElementOf(JobSpec spec) => JsonDocument.Parse(spec.ToJson()).RootElement.Clone();
}
