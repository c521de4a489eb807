using System.Net;
using System.Net.Http.Headers;

namespace Clustering.Integration.Tests;

/// <summary>
/// The API's door: bearer token (401 with WWW-Authenticate without it or with a wrong one, on every route: jobs, workers,
/// schedules, streams, metrics), /healthz open, the
/// refusal to listen beyond loopback without a token, bounded inputs, and no token in the silo's logs. One silo on a
/// SQLite store (the API does not care which store), started as the real process.
/// </summary>
public sealed class ApiSecurityTests : IAsyncLifetime
{
    private ChildProcess _silo = null!;
    private Uri _url = null!;
    private string _work = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public async Task InitializeAsync()
    {
        _work = Directory.CreateTempSubdirectory("clustering-it-api-").FullName;
        var port = TemporaryPostgres.FreePort();
        _url = new Uri($"http://127.0.0.1:{port}/");
        // Orleans' default ports are held while the silo starts: it must not need them (see SiloPorts).
        using var defaults = SiloPorts.HoldDefaults();
        _silo = ChildProcess.Start(RepoPaths.Silo,
            ["--store", "sqlite:" + Path.Combine(_work, "cluster.db"), "--listen", $"http://127.0.0.1:{port}", "--name", "api-test", "--threads", "1",
             .. SiloPorts.FreeArgs()],
            new Dictionary<string, string>
            {
                ["CLUSTERING_TOKEN"] = TestCluster.Token,
                // Everything the host can log, so a leak anywhere would show.
                ["CLUSTERING_Logging__LogLevel__Default"] = "Trace",
            });
        await _silo.WaitForLineAsync("listening ", TimeSpan.FromSeconds(60));
    }

    private Task<HttpResponseMessage> GetAsync(string path, string? token) => SendAsync(HttpMethod.Get, path, token);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token)
    {
        using var request = new HttpRequestMessage(method, new Uri(_url, path));
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // A body a route would accept if it were let in: the door must close before the body is read.
        if (method == HttpMethod.Post) request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        return await _http.SendAsync(request);
    }

    [Fact]
    public async Task Without_a_token_or_with_a_wrong_one_every_api_path_answers_401_and_the_token_never_reaches_the_logs()
    {
        var routes = new[] { "v1/jobs", "v1/workers", "v1/jobs/x/shards", "v1/jobs/x/events", "v1/schedules", "v1/schedules/x", "metrics" }
            .Select(path => (HttpMethod.Get, path))
            .Concat([(HttpMethod.Get, "v1/streams"), (HttpMethod.Get, "v1/streams/x"), (HttpMethod.Post, "v1/streams"),
                (HttpMethod.Post, "v1/streams/x/pause"), (HttpMethod.Post, "v1/streams/x/resume"), (HttpMethod.Delete, "v1/streams/x")]);
        foreach (var (method, path) in routes)
        {
            using var none = await SendAsync(method, path, null);
            Assert.True(HttpStatusCode.Unauthorized == none.StatusCode, $"{method} {path} without a token: {(int)none.StatusCode}");
            Assert.Equal("Bearer realm=\"embed-silo\"", none.Headers.WwwAuthenticate.ToString());

            using var wrong = await SendAsync(method, path, TestCluster.Token + "x");
            Assert.True(HttpStatusCode.Unauthorized == wrong.StatusCode, $"{method} {path} with a wrong token: {(int)wrong.StatusCode}");
            Assert.Contains("error=\"invalid_token\"", wrong.Headers.WwwAuthenticate.ToString());

            using var prefix = await SendAsync(method, path, TestCluster.Token[..^1]);
            Assert.Equal(HttpStatusCode.Unauthorized, prefix.StatusCode);
        }
        using (var health = await GetAsync("healthz", null)) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using (var ok = await GetAsync("v1/jobs", TestCluster.Token)) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        // With the token the stream routes answer (this silo reads no source: no stream jobs, none by that name).
        using (var streams = await GetAsync("v1/streams", TestCluster.Token))
            Assert.Equal((HttpStatusCode.OK, "[]"), (streams.StatusCode, (await streams.Content.ReadAsStringAsync()).Trim()));
        using (var missing = await GetAsync("v1/streams/x", TestCluster.Token)) Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using (var metrics = await GetAsync("metrics", TestCluster.Token))
        {
            var text = await metrics.Content.ReadAsStringAsync();
            Assert.Contains("clustering_store_up 1\n", text);
            Assert.Contains("clustering_jobs{state=\"running\"} 0\n", text);
        }

        // The CLI: no token → exit 1 naming the fix; wrong token → exit 1, "refused".
        var noToken = await TestCluster.CliAsync(["list", "--cluster", _url.ToString()], new Dictionary<string, string> { ["CLUSTERING_TOKEN"] = "" });
        Assert.Equal(1, noToken.Exit);
        Assert.Contains("401", noToken.Stderr);
        Assert.Contains("--token", noToken.Stderr);
        var wrongToken = await TestCluster.CliAsync(["workers", "--cluster", _url.ToString(), "--token", "not-the-token-at-all-0000"]);
        Assert.Equal(1, wrongToken.Exit);
        Assert.Contains("the token was refused", wrongToken.Stderr);
        Assert.DoesNotContain("not-the-token-at-all-0000", wrongToken.Stderr);

        _silo.Terminate();
        Assert.Equal(0, await _silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Request starting", _silo.Output); // the trace logging was really on
        Assert.DoesNotContain(TestCluster.Token, _silo.Output);
        Assert.DoesNotContain(TestCluster.Token[..16], _silo.Output);
    }

    [Fact]
    public async Task Bad_requests_are_refused_with_a_message_naming_the_field()
    {
        using var client = new HttpClient { BaseAddress = _url, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestCluster.Token);

        async Task<(HttpStatusCode, string)> Post(string path, string body, string type = "application/json")
        {
            using var r = await client.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, type));
            var text = await r.Content.ReadAsStringAsync();
            // The error body is JSON ({"error": ...}); compare its message, not its escaping.
            var message = text.StartsWith('{') ? System.Text.Json.JsonSerializer.Deserialize(text, Clustering.Client.ApiJson.Default.ApiError)!.Error : text;
            return (r.StatusCode, message);
        }

        var (status, text) = await Post("v1/jobs", "{\"inputs\":");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("job spec: not valid JSON ($.inputs, line 1, byte 11): it ends inside an object or array (truncated?)", text);

        // A value of the wrong kind is named by its path and said in words, not as a .NET type.
        (status, text) = await Post("v1/jobs", "{\"inputs\":\"/c.jsonl\",\"model\":\"/m\",\"output\":\"/o\"}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("job spec: not valid JSON ($.inputs, line 1, byte 21): expected an array", text);
        (status, text) = await Post("v1/jobs", "{\"inputs\":[\"/c.jsonl\"],\"model\":\"/m\",\"output\":\"/o\",\"write\":{\"compression\":\"brotli\"}}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("job spec: not valid JSON ($.write.compression, line 1, byte 82): expected one of none, snappy, gzip, zstd", text);
        (status, text) = await Post("v1/jobs", "{\"model\":\"/m\",\"output\":\"/o\"}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("job spec: not valid JSON (line 1, byte 29): required field missing: inputs", text);

        (status, text) = await Post("v1/jobs", "{\"inputs\":[],\"model\":\"/m\",\"output\":\"/o\"}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("--input: at least one input is required", text);

        (status, text) = await Post("v1/jobs", "{\"inputs\":[\"relative/x.jsonl\"],\"model\":\"/m\",\"output\":\"/o\"}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("inputs[0] 'relative/x.jsonl': the silo resolves paths on its own machine, so give an absolute path", text);

        (status, _) = await Post("v1/jobs", "{}", "text/plain");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);

        // A body that is not UTF-8 is refused naming the byte, for jobs and schedules alike.
        foreach (var (path, what) in new[] { ("v1/jobs", "job spec"), ("v1/schedules", "schedule") })
        {
            using var bytes = new ByteArrayContent([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}']);
            bytes.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var r = await client.PostAsync(path, bytes);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Equal($"{what}: invalid UTF-8 at byte 2",
                System.Text.Json.JsonSerializer.Deserialize(await r.Content.ReadAsStringAsync(), Clustering.Client.ApiJson.Default.ApiError)!.Error);
        }

        // Schedules: the same bounds, plus the rule and the id checked before anything is stored.
        const string job = "\"job\":{\"inputs\":[\"/c.jsonl\"],\"model\":\"/m\",\"output\":\"/o\"}";
        (status, text) = await Post("v1/schedules", "{\"id\":\"n\",\"rule\":\"0 25 * * *\"," + job + "}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("schedule \"0 25 * * *\": field 2 (hour) \"25\" is out of range 0-23", text);
        (status, text) = await Post("v1/schedules", "{\"id\":\"../n\",\"rule\":\"@daily\"," + job + "}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("schedule id '../n'", text);
        (status, text) = await Post("v1/schedules", "{\"id\":\"n\",\"rule\":\"@daily\",\"job\":{\"inputs\":[\"rel.jsonl\"],\"model\":\"/m\",\"output\":\"/o\"}}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("inputs[0] 'rel.jsonl': the silo resolves paths on its own machine", text);
        (status, text) = await Post("v1/schedules", "{\"id\":\"n\"}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        using (var r = await client.GetAsync("v1/schedules/no-such")) Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        using (var r = await client.DeleteAsync("v1/schedules/no-such")) Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);

        // Last of the posts: the silo answers 413 without reading the rest and closes that connection.
        (status, text) = await Post("v1/jobs", "{\"inputs\":[\"" + new string('a', 2 << 20) + "\"]}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);

        using (var r = await client.GetAsync("v1/jobs/" + new string('j', 201))) Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        using (var r = await client.GetAsync("v1/jobs/a%20b")) Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        using (var r = await client.GetAsync("v1/jobs/no-such-job")) Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        using (var r = await client.GetAsync("v1/jobs?state=bogus"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            var error = System.Text.Json.JsonSerializer.Deserialize(await r.Content.ReadAsStringAsync(), Clustering.Client.ApiJson.Default.ApiError)!.Error;
            Assert.Equal("state 'bogus': one of pending, planning, running, succeeded, failed, cancelled", error);
        }
        using (var request = new HttpRequestMessage(HttpMethod.Get, "v1/jobs/x/events"))
        {
            request.Headers.Add("Last-Event-ID", "-5");
            using var r = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        }
    }

    [Fact]
    public async Task A_silo_refuses_to_listen_beyond_loopback_without_a_token_and_rejects_unknown_flags()
    {
        using var open = ChildProcess.Start(RepoPaths.Silo, ["--store", "sqlite:" + Path.Combine(_work, "other.db"), "--listen", "http://0.0.0.0:0"],
            new Dictionary<string, string> { ["CLUSTERING_TOKEN"] = "" });
        Assert.Equal(2, await open.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("reaches beyond this machine, so a token is required", open.StandardError);

        using var typo = ChildProcess.Start(RepoPaths.Silo, ["--stor", "sqlite:x.db"]);
        Assert.Equal(2, await typo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("unknown flag '--stor' (argument 1)", typo.StandardError);

        // Configuration in words: a flag's value of the wrong kind, and a malformed appsettings.json (no stack trace).
        using var notNumber = ChildProcess.Start(RepoPaths.Silo, ["--store", "sqlite:x.db", "--threads", "abc"]);
        Assert.Equal(2, await notNumber.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("embed-silo: configuration: Threads: 'abc' is not a whole number", notNumber.StandardError.Trim());
        var settings = Directory.CreateDirectory(Path.Combine(_work, "settings")).FullName;
        File.WriteAllText(Path.Combine(settings, "appsettings.json"), "{\"Threads\": ");
        using var badSettings = ChildProcess.Start(RepoPaths.Silo, ["--store", "sqlite:x.db"], null, workingDirectory: settings);
        Assert.Equal(2, await badSettings.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal($"embed-silo: {settings}/appsettings.json (line 1, byte 13): not valid JSON: it ends inside an object or array (truncated?)",
            badSettings.StandardError.Trim());

        using var shortToken = ChildProcess.Start(RepoPaths.Silo, ["--store", "sqlite:x.db", "--token", "short"]);
        Assert.Equal(2, await shortToken.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("--token: at least 16 characters (got 5)", shortToken.StandardError);
        Assert.DoesNotContain("short\n", shortToken.Output.Replace("--token: at least 16 characters (got 5)", ""));
    }

    public Task DisposeAsync()
    {
        _silo.Dispose();
        _http.Dispose();
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}
