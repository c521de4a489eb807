using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Clustering.Integration.Tests;

/// <summary>
/// The official `openai` npm client (tests/tools/openai-embeddings.mjs) run against a server: each step's result as
/// the client saw it (vectors decoded by the client, errors as its exception class with status and error body).
/// </summary>
public static class OpenAiClient
{
    public static async Task<JsonElement[]> RunAsync(Uri server, string? token, params JsonObject[] steps)
    {
        var psi = new ProcessStartInfo("node") { WorkingDirectory = RepoPaths.NodeTools, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "openai-embeddings.mjs", new Uri(server, "/v1").ToString(), token ?? "-", new JsonArray([.. steps]).ToJsonString() })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        if (p.ExitCode != 0) throw new InvalidOperationException($"openai-embeddings.mjs failed ({p.ExitCode}): {await stderr}");
        return JsonSerializer.Deserialize<JsonElement[]>(await stdout)!;
    }

    public static JsonObject Embed(object parameters) => new() { ["op"] = "embed", ["params"] = JsonSerializer.SerializeToNode(parameters) };

    public static JsonObject Models() => new() { ["op"] = "models" };

    public static JsonObject Load(object parameters, int n, int concurrency) =>
        new() { ["op"] = "load", ["params"] = JsonSerializer.SerializeToNode(parameters), ["n"] = n, ["concurrency"] = concurrency };

    /// <summary>The vectors of a successful embed step, in the order of their <c>index</c>.</summary>
    public static float[][] Vectors(JsonElement step)
    {
        Assert.True(step.GetProperty("ok").GetBoolean(), step.ToString());
        var data = step.GetProperty("data").EnumerateArray().ToArray();
        for (var i = 0; i < data.Length; i++)
        {
            Assert.Equal(i, data[i].GetProperty("index").GetInt32());
            Assert.Equal("embedding", data[i].GetProperty("object").GetString());
        }
        return [.. data.Select(d => d.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray())];
    }

    /// <summary>Asserts a failed step: the client's exception class, the status and the error's code and param.</summary>
    public static JsonElement Error(JsonElement step, string errorClass, int status, string? code, string? param = null)
    {
        Assert.False(step.GetProperty("ok").GetBoolean(), step.ToString());
        Assert.Equal(errorClass, step.GetProperty("class").GetString());
        Assert.Equal(status, step.GetProperty("status").GetInt32());
        var error = step.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        if (param is not null) Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        return error;
    }

    /// <summary>`embedctl encode` over the texts with the given extra options: the reference vectors, in order.</summary>
    public static async Task<float[][]> EncodeAsync(IReadOnlyList<string> texts, params string[] options)
    {
        var stdin = string.Concat(texts.Select((t, i) => JsonSerializer.Serialize(new { id = i, text = t }) + "\n"));
        var (exit, stdout, stderr) = await TestCluster.CliAsync(["encode", "--model", RepoPaths.TinyModel, "--threads", "1", .. options], stdin: stdin);
        Assert.True(exit == 0, stderr);
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray())];
    }

    /// <summary>`embedctl tokenize` ids of each text (special tokens included, as the model sees them).</summary>
    public static async Task<int[][]> TokenizeAsync(IReadOnlyList<string> texts)
    {
        var stdin = string.Concat(texts.Select((t, i) => JsonSerializer.Serialize(new { id = i, text = t }) + "\n"));
        var (exit, stdout, stderr) = await TestCluster.CliAsync(["tokenize", "--model", RepoPaths.TinyModel], stdin: stdin);
        Assert.True(exit == 0, stderr);
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray())];
    }
}
