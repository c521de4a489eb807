using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Clustering.Tests.Shared;
using Xunit.Abstractions;

namespace Clustering.Inference.Onnx.Tests;

/// <summary>
/// `embedctl serve` on an ONNX folder (the real all-MiniLM-L6-v2), called by the official `openai` npm client
/// (tests/tools/openai-embeddings.mjs) as an application calls OpenAI: the vectors it gets equal `embedctl encode`'s
/// for the same texts (cosine >= 0.99999), for a list, a single string (base64 on the wire) and token ids; and on
/// sentence pairs a reader calls related, the served vectors rank each related pair above the other pairs.
/// </summary>
public class EmbedctlServeOnnxTests(ITestOutputHelper output)
{
    private const string Token = "onnx-serve-token-0123456789";

    private static readonly string[][] Pairs =
    [
        ["A man is playing a guitar.", "Someone is strumming a guitar on stage."],
        ["The cat sleeps on the sofa.", "A kitten is napping on the couch."],
        ["How do I reset my password?", "I forgot my login password and need to change it."],
        ["The stock market fell sharply today.", "Shares dropped steeply in today's trading."],
        ["She is baking bread in the kitchen.", "A woman makes a loaf of bread at home."],
        ["The train to Paris leaves at noon.", "Our rail departure for Paris is at 12 pm."],
    ];

    [Fact]
    public async Task TheOpenAiClient_GetsEncodesVectors_AndRelatedPairsRankFirst()
    {
        var texts = Pairs.SelectMany(p => p).Concat(Peer.CorpusTexts(20)).ToList();
        var encoded = Encode(texts);
        var ids = Tokenize(texts.Take(3).ToList());

        int port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        using var serve = Serve(url);
        using var reaper = ServerReaper.Watch(ServerReaper.KillIfStill(serve.Id, url)); // if this test host dies first
        try
        {
            await WaitForListeningAsync(serve, TimeSpan.FromSeconds(120));
            var steps = OpenAi(url, [
                new JsonObject { ["op"] = "models" },
                Embed(new { model = "MODEL", input = texts, encoding_format = "float", truncate = true }), // encode cuts at 512 tokens too
                Embed(new { model = "MODEL", input = texts[0] }),
                Embed(new { model = "MODEL", input = ids }),
            ]);
            var models = steps[0].GetProperty("ids").EnumerateArray().Select(e => e.GetString()!).ToArray();
            Assert.Single(models);

            var listed = Vectors(steps[1]);
            Assert.Equal(models[0], steps[1].GetProperty("model").GetString());
            Assert.Equal(texts.Count, listed.Length);
            double worst = 1;
            for (int i = 0; i < texts.Count; i++) worst = Math.Min(worst, VectorMath.Cosine(encoded[i], listed[i]));
            output.WriteLine($"serve ({models[0]}): {texts.Count} texts through the openai client, worst cosine with encode {worst:F9}");
            Assert.True(worst >= 0.99999, $"worst cosine {worst}");
            Assert.True(VectorMath.Cosine(encoded[0], Vectors(steps[2])[0]) >= 0.99999, "a single string (base64)");
            var fromIds = Vectors(steps[3]);
            for (int i = 0; i < ids.Length; i++) Assert.True(VectorMath.Cosine(encoded[i], fromIds[i]) >= 0.99999, $"token ids of text {i}");
            Assert.Equal(ids.Sum(x => x.Length), steps[3].GetProperty("usage").GetProperty("prompt_tokens").GetInt32());

            for (int i = 0; i < Pairs.Length; i++)
            {
                double related = VectorMath.Cosine(listed[2 * i], listed[2 * i + 1]);
                for (int j = 0; j < Pairs.Length; j++)
                {
                    if (j == i) continue;
                    double unrelated = Math.Max(VectorMath.Cosine(listed[2 * i], listed[2 * j]), VectorMath.Cosine(listed[2 * i], listed[2 * j + 1]));
                    Assert.True(related > unrelated + 0.1, $"\"{Pairs[i][0]}\": related {related:F3}, unrelated ({Pairs[j][0]}) {unrelated:F3}");
                }
            }
        }
        finally
        {
            if (!serve.HasExited) serve.Kill(entireProcessTree: true);
            serve.WaitForExit(10_000);
        }
    }

    private static JsonObject Embed(object parameters) => new() { ["op"] = "embed", ["params"] = JsonSerializer.SerializeToNode(parameters) };

    /// <summary>The client's results, each "MODEL" replaced by the one model the server lists (asked first).</summary>
    private static JsonElement[] OpenAi(string url, JsonObject[] steps)
    {
        var first = RunClient(url, [steps[0]]);
        string model = first[0].GetProperty("ids")[0].GetString()!;
        var plan = new JsonArray([.. steps.Select(s => JsonNode.Parse(s.ToJsonString().Replace("\"MODEL\"", JsonSerializer.Serialize(model)))!)]);
        return RunClient(url, [.. plan.Select(n => n!.AsObject())]);
    }

    private static JsonElement[] RunClient(string url, JsonObject[] steps)
    {
        string tools = Path.Combine(Peer.RepoRoot, "tests", "tools");
        var psi = new ProcessStartInfo("node") { WorkingDirectory = tools, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(tools, "openai-embeddings.mjs"), url + "/v1", Token, new JsonArray([.. steps.Select(s => JsonNode.Parse(s.ToJsonString()))]).ToJsonString() })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(300_000)) { p.Kill(entireProcessTree: true); Assert.Fail("openai-embeddings.mjs did not finish in 5 minutes"); }
        Assert.True(p.ExitCode == 0, $"openai-embeddings.mjs failed ({p.ExitCode}): {stderr.Result}");
        return JsonSerializer.Deserialize<JsonElement[]>(stdout)!;
    }

    private static float[][] Vectors(JsonElement step)
    {
        Assert.True(step.GetProperty("ok").GetBoolean(), step.ToString());
        return [.. step.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray())];
    }

    private static float[][] Encode(IReadOnlyList<string> texts)
    {
        var stdin = string.Concat(texts.Select((t, i) => JsonSerializer.Serialize(new { id = i, text = t }) + "\n"));
        var (code, stdout, stderr) = EmbedctlOnnxTests.Embedctl(stdin, "encode", "--model", PackagedModels.MiniLM, "--threads", "2");
        Assert.True(code == 0, $"encode exited {code}: {stderr}");
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray())];
    }

    private static int[][] Tokenize(IReadOnlyList<string> texts)
    {
        var stdin = string.Concat(texts.Select((t, i) => JsonSerializer.Serialize(new { id = i, text = t }) + "\n"));
        var (code, stdout, stderr) = EmbedctlOnnxTests.Embedctl(stdin, "tokenize", "--model", PackagedModels.MiniLM);
        Assert.True(code == 0, $"tokenize exited {code}: {stderr}");
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray())];
    }

    /// <summary>`embedctl serve` on the MiniLM folder; the caller kills it. Its output is read as it comes.</summary>
    private Process Serve(string url)
    {
        var psi = new ProcessStartInfo("dotnet", [EmbedctlOnnxTests.EmbedctlDll(), "serve", "--model", PackagedModels.MiniLM, "--listen", url, "--threads", "2"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        psi.Environment["CLUSTERING_TOKEN"] = Token;
        psi.Environment["NO_COLOR"] = "1";
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private readonly StringBuilder _log = new(); // serve's stdout and stderr; guarded by itself (two reader callbacks)

    private async Task WaitForListeningAsync(Process serve, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            string log;
            lock (_log) log = _log.ToString();
            if (log.Contains("listening ", StringComparison.Ordinal)) return;
            if (serve.HasExited) Assert.Fail($"embedctl serve exited {serve.ExitCode}:\n{log}");
            await Task.Delay(200);
        }
        lock (_log) Assert.Fail($"embedctl serve did not listen in {timeout.TotalSeconds} s:\n{_log}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
