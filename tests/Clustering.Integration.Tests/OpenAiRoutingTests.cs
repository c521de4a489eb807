using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using Clustering.Tests.Shared;

namespace Clustering.Integration.Tests;

/// <summary>
/// Online requests in a cluster of two embed-silo processes, called with the official `openai` client: any silo takes
/// a request and the silo that holds the model answers it (model affinity); a model loaded nowhere loads on a silo
/// with room in its memory budget (<c>--serve-memory-mib</c>), evicting the least recently used idle model when none
/// has room, and a model that fits nowhere is answered 503. Where each request was embedded is read from both silos'
/// /metrics (forwarded / served-for counters, inputs embedded, the queues of the models each has loaded).
/// </summary>
public sealed class OpenAiRoutingTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private static readonly string[] Texts = ["What is the capital of France?", "Ships carry cargo across the sea.", "Hello"];

    /// <summary>A second, larger checkpoint: 9.3 MiB of fp32 weights on the CPU, over the 2 MiB budget of every silo.</summary>
    private static string BigModel => Path.Combine(RepoPaths.Root, "tests", "fixtures", "models", "qwen3-realvocab-tiny");

    [Fact]
    public async Task Any_silo_answers_from_the_silo_holding_the_model_and_loads_within_the_memory_budget()
    {
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        // The tiny model takes 1.45 MiB per device on the CPU: a 2 MiB budget holds one of a, b, c at a time.
        string[] serve = ["--serve", $"a={RepoPaths.TinyModel};b={RepoPaths.TinyModel};c={RepoPaths.TinyModel};big={BigModel}", "--serve-memory-mib", "2"];
        var (_, s0) = await cluster.StartSiloAsync("s0", extra: serve);
        var (_, s1) = await cluster.StartSiloAsync("s1", extra: serve);
        await WaitForMembersAsync(cluster, s0, s1);
        var full = await OpenAiClient.EncodeAsync(Texts);

        // a, asked on s1: loaded nowhere, s1 has room: s1 loads it.
        var first = await OpenAiClient.RunAsync(s1, TestCluster.Token, OpenAiClient.Embed(new { model = "a", input = Texts }));
        // a, asked on s0: s1 holds it, so s1 answers (s0 loads nothing). The list names every silo's models.
        var routed = await OpenAiClient.RunAsync(s0, TestCluster.Token,
            OpenAiClient.Embed(new { model = "a", input = Texts, encoding_format = "float" }), OpenAiClient.Models());
        // b, asked on s1: s1's budget is taken by a, s0 has room: s0 loads it and answers.
        var toRoom = await OpenAiClient.RunAsync(s1, TestCluster.Token, OpenAiClient.Embed(new { model = "b", input = Texts }));
        // c, asked on s0: no silo has room; s0 evicts its least recently used idle model (b) and loads c.
        var evicting = await OpenAiClient.RunAsync(s0, TestCluster.Token, OpenAiClient.Embed(new { model = "c", input = Texts, dimensions = 16 }));
        // big fits no budget even with every idle model evicted: 503, saying why.
        var tooBig = await OpenAiClient.RunAsync(s0, TestCluster.Token, OpenAiClient.Embed(new { model = "big", input = "x" }),
            OpenAiClient.Embed(new { model = "nowhere", input = "x" }));

        AssertClose(full, OpenAiClient.Vectors(first[0]));
        AssertClose(full, OpenAiClient.Vectors(routed[0]));
        AssertClose(full, OpenAiClient.Vectors(toRoom[0]));
        AssertClose(await OpenAiClient.EncodeAsync(Texts, "--dimensions", "16"), OpenAiClient.Vectors(evicting[0]));
        Assert.Equal(["a", "b", "big", "c"], routed[1].GetProperty("ids").EnumerateArray().Select(e => e.GetString()));
        var error = OpenAiClient.Error(tooBig[0], "InternalServerError", 503, "service_unavailable");
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("No room to load `big`", message, StringComparison.Ordinal);
        Assert.Contains("needs 9.3 MiB per device", message, StringComparison.Ordinal);
        Assert.Contains("--serve-memory-mib 2", message, StringComparison.Ordinal);
        Assert.Equal("5", tooBig[0].GetProperty("retryAfter").GetString());
        OpenAiClient.Error(tooBig[1], "NotFoundError", 404, "model_not_found", "model");

        // Where each request was embedded, as each silo counts it.
        var m0 = await MetricsAsync(s0);
        var m1 = await MetricsAsync(s1);
        output.WriteLine(string.Join('\n', (m0 + m1).Split('\n').Where(l => Regex.IsMatch(l, "^clustering_(embeddings_(forwarded|served_for|inputs)|online_evictions)"))));
        Assert.Equal(1, Counter(m0, "clustering_embeddings_forwarded_total", "model=\"a\",silo=\"s1\""));
        Assert.Equal(1, Counter(m1, "clustering_embeddings_served_for_total", "model=\"a\",silo=\"s0\""));
        Assert.Equal(1, Counter(m1, "clustering_embeddings_forwarded_total", "model=\"b\",silo=\"s0\""));
        Assert.Equal(1, Counter(m0, "clustering_embeddings_served_for_total", "model=\"b\",silo=\"s1\""));
        Assert.Equal(1, Counter(m0, "clustering_online_evictions_total", "model=\"b\""));
        Assert.Equal(0, Counter(m1, "clustering_online_evictions_total", "model=\"a\""));
        Assert.Equal(2 * Texts.Length, Counter(m1, "clustering_embeddings_inputs_total", null)); // a twice
        Assert.Equal(2 * Texts.Length, Counter(m0, "clustering_embeddings_inputs_total", null)); // b, then c
        Assert.Equal(["c"], LoadedModels(m0));
        Assert.Equal(["a"], LoadedModels(m1));

        // What the hop costs: one query at a time for a (on s1), asked on s1 itself and on s0. Printed, not asserted.
        var direct = await OpenAiClient.RunAsync(s1, TestCluster.Token, OpenAiClient.Load(new { model = "a", input = Texts[0] }, n: 50, concurrency: 1));
        var hop = await OpenAiClient.RunAsync(s0, TestCluster.Token, OpenAiClient.Load(new { model = "a", input = Texts[0] }, n: 50, concurrency: 1));
        output.WriteLine($"one query at a time, p50: asked on the silo holding the model {Median(direct[0]):F2} ms, on the other silo {Median(hop[0]):F2} ms");
    }

    /// <summary>
    /// The silo holding a model is killed (kill -9): a request on the survivor, whose last answer still says the dead
    /// silo holds the model, is answered by the survivor loading it, and vectors stay equal to encode's.
    /// </summary>
    [Fact]
    public async Task When_the_silo_holding_a_model_dies_the_survivor_loads_it_and_answers()
    {
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        string[] serve = ["--serve", $"tiny={RepoPaths.TinyModel}"];
        var (_, s0) = await cluster.StartSiloAsync("s0", extra: serve);
        var (victim, s1) = await cluster.StartSiloAsync("s1", extra: serve);
        await WaitForMembersAsync(cluster, s0, s1);
        var full = await OpenAiClient.EncodeAsync(Texts);

        await OpenAiClient.RunAsync(s1, TestCluster.Token, OpenAiClient.Embed(new { model = "tiny", input = "load it on s1" }));
        var before = await OpenAiClient.RunAsync(s0, TestCluster.Token, OpenAiClient.Embed(new { model = "tiny", input = Texts }));
        AssertClose(full, OpenAiClient.Vectors(before[0]));
        Assert.Equal(1, Counter(await MetricsAsync(s0), "clustering_embeddings_forwarded_total", "model=\"tiny\",silo=\"s1\""));

        victim.KillHard();
        await AssertWorkersAnswerAsync(s0);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var after = await OpenAiClient.RunAsync(s0, TestCluster.Token, OpenAiClient.Embed(new { model = "tiny", input = Texts }));
        var took = started.Elapsed;
        AssertClose(full, OpenAiClient.Vectors(after[0]));
        var m0 = await MetricsAsync(s0);
        output.WriteLine($"the first request after s1's kill -9 took {took.TotalSeconds:F1} s");
        Assert.Equal(1, Counter(m0, "clustering_embeddings_forwarded_total", "model=\"tiny\",silo=\"s1\""));
        Assert.Equal(Texts.Length, Counter(m0, "clustering_embeddings_inputs_total", null));
        Assert.Equal(["tiny"], LoadedModels(m0));
    }

    private static double Median(System.Text.Json.JsonElement load)
    {
        var ms = load.GetProperty("ms").EnumerateArray().Select(e => e.GetDouble()).Order().ToArray();
        return ms[ms.Length / 2];
    }

    /// <summary>
    /// A job running on both silos' workers while clients send queries to both silos: the queries go to the silo that
    /// loaded the model, both finish, the job's output is exact (DuckDB) and its vectors equal `embedctl encode`'s.
    /// </summary>
    [Fact]
    public async Task A_job_runs_on_the_cluster_while_both_silos_answer_queries()
    {
        string[] embed = ["--max-length", "64", "--batch-tokens", "4096"];
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        string[] serve = ["--serve", $"tiny={RepoPaths.TinyModel}"];
        var (_, s0) = await cluster.StartSiloAsync("s0", extra: serve);
        var (_, s1) = await cluster.StartSiloAsync("s1", extra: serve);
        await WaitForMembersAsync(cluster, s0, s1);
        var query = "what is the capital of France?";
        var expected = await OpenAiClient.EncodeAsync([query]);

        const int documents = 10_000;
        var corpus = Path.Combine(cluster.Work, "corpus.jsonl");
        TestCorpus.Write(corpus, 0, documents);
        var outputFolder = Path.Combine(cluster.Work, "out");
        var env = new Dictionary<string, string> { ["CLUSTERING_URL"] = s0.ToString(), ["CLUSTERING_TOKEN"] = TestCluster.Token };
        var submit = await TestCluster.CliAsync(["submit", "--input", corpus, "--model", RepoPaths.TinyModel, "--output", outputFolder, "--shard-docs", "1000", .. embed], env);
        Assert.True(submit.Exit == 0, submit.Stderr);
        var jobId = submit.Stdout.TrimEnd('\n').Split('\n')[^1];
        using (var client = cluster.Client(s0))
            await cluster.WaitUntilAsync(async () => (await client.GetJobAsync(jobId)).State == "running", TimeSpan.FromSeconds(120), "the job running");

        // The first query loads the model on s0; then clients on both silos, s1's requests routed to s0.
        var warm = await OpenAiClient.RunAsync(s0, TestCluster.Token, OpenAiClient.Embed(new { model = "tiny", input = query }));
        AssertClose(expected, OpenAiClient.Vectors(warm[0]));
        const int perSilo = 100;
        var loads = await Task.WhenAll(
            OpenAiClient.RunAsync(s0, TestCluster.Token, OpenAiClient.Load(new { model = "tiny", input = query }, n: perSilo, concurrency: 4)),
            OpenAiClient.RunAsync(s1, TestCluster.Token, OpenAiClient.Load(new { model = "tiny", input = query }, n: perSilo, concurrency: 4),
                OpenAiClient.Embed(new { model = "tiny", input = query })));
        AssertClose(expected, OpenAiClient.Vectors(loads[1][1]));
        string stateAfterQueries;
        using (var client = cluster.Client(s0)) stateAfterQueries = (await client.GetJobAsync(jobId)).State;

        var watch = await TestCluster.CliAsync(["watch", jobId], env, timeout: TimeSpan.FromMinutes(10));
        Assert.True(watch.Exit == 0, $"{watch.Stdout}\n{watch.Stderr}\n{cluster.Logs()}");
        var parts = await ClusterAssertions.EveryDocumentExactlyOnceAsync(outputFolder, documents);
        var worst = await ClusterAssertions.VectorsEqualEncodeAsync(outputFolder, parts, [0, 1, documents / 2, documents - 1], embed);

        var m0 = await MetricsAsync(s0);
        var m1 = await MetricsAsync(s1);
        Assert.Equal(perSilo + 1, Counter(m1, "clustering_embeddings_forwarded_total", "model=\"tiny\",silo=\"s0\""));
        Assert.Equal(perSilo + 1, Counter(m0, "clustering_embeddings_served_for_total", "model=\"tiny\",silo=\"s1\""));
        Assert.Empty(LoadedModels(m1));
        Assert.Equal(1 + 2 * perSilo + 1, Counter(m0, "clustering_embeddings_inputs_total", null));
        var shards = (Counter(m0, "clustering_shards_committed_total", "silo=\"s0\""), Counter(m1, "clustering_shards_committed_total", "silo=\"s1\""));

        var all = loads.SelectMany(l => l[0].GetProperty("ms").EnumerateArray().Select(e => e.GetDouble())).Order().ToArray();
        Assert.Equal(2 * perSilo, all.Length);
        var (p50, p99) = (all[all.Length / 2], all[(int)(all.Length * 0.99)]);
        output.WriteLine($"shards committed by s0, s1: {shards.Item1}, {shards.Item2}");
        output.WriteLine($"queries during the job (job {stateAfterQueries} after them), both silos: p50 {p50:F1} ms, p99 {p99:F1} ms; job vectors vs encode: {worst:E2}");
        // Only a generous bound (a query stuck behind the whole job would take minutes): a 2-core machine runs two
        // silos' shard passes, both clients and the hop between silos at once (measured here: p50 0.56 s, p99 4.1 s).
        Assert.True(p99 <= 30_000, $"p99 {p99:F0} ms (p50 {p50:F0} ms)");
    }

    /// <summary>Both silos are in the cluster when each has seen the other's worker in the job directory.</summary>
    private static async Task WaitForMembersAsync(TestCluster cluster, Uri s0, Uri s1)
    {
        using var c0 = cluster.Client(s0);
        using var c1 = cluster.Client(s1);
        await TestCluster.WorkerIdAsync(c0, "s1");
        await TestCluster.WorkerIdAsync(c1, "s0");
    }

    private static void AssertClose(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(VectorMath.Cosine(expected[i], actual[i]) >= 0.99999, $"input {i}");
    }

    /// <summary>
    /// /v1/workers right after a kill -9 answers within its 5 s bound (plus slack for a busy machine): the list when the
    /// job directory grain lives on the survivor, else 503 naming the reason; never a 500 or a wait for membership.
    /// </summary>
    private static async Task AssertWorkersAnswerAsync(Uri silo)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestCluster.Token);
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var response = await http.GetAsync(new Uri(silo, "/v1/workers"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"/v1/workers took {started.Elapsed.TotalSeconds:F1} s");
        if (response.StatusCode == System.Net.HttpStatusCode.OK)
            Assert.StartsWith("[", body);
        else
        {
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("the job directory grain did not answer within 5 s", body);
        }
    }

    private static async Task<string> MetricsAsync(Uri silo)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestCluster.Token);
        return await http.GetStringAsync(new Uri(silo, "/metrics"));
    }

    /// <summary>A counter's value (0 when the line is absent: nothing counted).</summary>
    private static long Counter(string metrics, string name, string? labels)
    {
        var pattern = labels is null ? $"^{name} (\\d+)$" : $"^{name}\\{{{Regex.Escape(labels)}\\}} (\\d+)$";
        var match = Regex.Match(metrics, pattern, RegexOptions.Multiline);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>The models a silo has loaded: those with a queue on one of its devices.</summary>
    private static string[] LoadedModels(string metrics) =>
        [.. Regex.Matches(metrics, "^clustering_embeddings_queue_requests\\{model=\"([^\"]+)\"", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Distinct().Order()];
}
