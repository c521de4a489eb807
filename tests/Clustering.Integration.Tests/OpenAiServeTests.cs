using System.Net.Http.Headers;
using Clustering.Coordination.Tests;
using Clustering.Tests.Shared;

namespace Clustering.Integration.Tests;

/// <summary>
/// `embedctl serve` as OpenAI's embeddings API, called by the official `openai` npm client: every input shape and
/// option gives the vectors `embedctl encode` gives for the same inputs and options (cosine >= 0.99999 on CPU), and
/// each refusal is the client's matching error (404 model_not_found, 400 with the field, 401 without the token).
/// </summary>
public sealed class OpenAiServeTests
{
    private const string Token = "serve-token-0123456789abcdef";
    private const string Model = "tiny-qwen3-embedding";
    private const string QueryTask = "Given a web search query, retrieve relevant passages that answer the query";
    private static readonly string[] Texts = ["What is the capital of France?", "Ships carry cargo across the sea.", "Hello", "Паровоз и 漢字 together"];

    private static async Task<(ChildProcess Serve, Uri Url)> StartServeAsync(params string[] extra)
    {
        var url = new Uri($"http://127.0.0.1:{TemporaryPostgres.FreePort()}");
        var serve = ChildProcess.Start(RepoPaths.Cli, ["serve", "--model", RepoPaths.TinyModel, "--listen", url.ToString().TrimEnd('/'), "--threads", "1", .. extra],
            new Dictionary<string, string> { ["CLUSTERING_TOKEN"] = Token });
        try
        {
            await serve.WaitForLineAsync("listening ", TimeSpan.FromSeconds(120));
        }
        catch
        {
            serve.Dispose();
            throw;
        }
        return (serve, url);
    }

    private static void AssertClose(float[][] expected, float[][] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var cos = VectorMath.Cosine(expected[i], actual[i]);
            Assert.True(cos >= 0.99999, $"{what}, input {i}: cosine {cos}");
        }
    }

    [Fact]
    public async Task The_openai_client_gets_encode_s_vectors_for_every_input_shape_and_option()
    {
        var full = await OpenAiClient.EncodeAsync(Texts);
        var mrl = await OpenAiClient.EncodeAsync(Texts, "--dimensions", "16");
        var queries = await OpenAiClient.EncodeAsync(Texts, "--instruction", QueryTask);
        var ids = await OpenAiClient.TokenizeAsync(Texts);

        var (serve, url) = await StartServeAsync();
        using var _ = serve;
        var steps = await OpenAiClient.RunAsync(url, Token,
            OpenAiClient.Models(),
            OpenAiClient.Embed(new { model = Model, input = Texts[0] }), // the client asks for base64 and decodes it
            OpenAiClient.Embed(new { model = Model, input = Texts, encoding_format = "float" }),
            OpenAiClient.Embed(new { model = Model, input = ids[1] }),
            OpenAiClient.Embed(new { model = Model, input = ids }),
            OpenAiClient.Embed(new { model = Model, input = Texts, dimensions = 16, encoding_format = "base64" }),
            OpenAiClient.Embed(new { model = Model, input = Texts, instruction = QueryTask }),
            OpenAiClient.Embed(new { model = Model, input = Texts, prompt_name = "query", user = "someone" }));

        Assert.Equal([Model], steps[0].GetProperty("ids").EnumerateArray().Select(e => e.GetString()));
        AssertClose([full[0]], OpenAiClient.Vectors(steps[1]), "single string, base64");
        Assert.Equal(ids[0].Length, steps[1].GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(Model, steps[1].GetProperty("model").GetString());
        Assert.Equal("list", steps[1].GetProperty("object").GetString());
        AssertClose(full, OpenAiClient.Vectors(steps[2]), "list, float");
        Assert.Equal(ids.Sum(i => i.Length), steps[2].GetProperty("usage").GetProperty("total_tokens").GetInt32());
        AssertClose([full[1]], OpenAiClient.Vectors(steps[3]), "token ids");
        AssertClose(full, OpenAiClient.Vectors(steps[4]), "lists of token ids");
        Assert.True(steps[5].GetProperty("data")[0].GetProperty("base64").GetBoolean());
        var cut = OpenAiClient.Vectors(steps[5]);
        Assert.All(cut, v => Assert.Equal(16, v.Length));
        AssertClose(mrl, cut, "dimensions 16");
        AssertClose(queries, OpenAiClient.Vectors(steps[6]), "instruction");
        AssertClose(queries, OpenAiClient.Vectors(steps[7]), "prompt_name query");

        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var metrics = await http.GetStringAsync(new Uri(url, "/metrics"));
        Assert.Contains($"clustering_embeddings_requests_total{{model=\"{Model}\",status=\"200\"}} 7\n", metrics, StringComparison.Ordinal);
        Assert.Contains($"clustering_embeddings_request_seconds_count{{model=\"{Model}\"}} 7\n", metrics, StringComparison.Ordinal);
        Assert.Contains($"clustering_embeddings_queue_requests{{model=\"{Model}\",device=\"cpu\"}} 0\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_are_the_client_s_matching_errors()
    {
        var (serve, url) = await StartServeAsync("--max-length", "32");
        using var _ = serve;
        var longText = string.Join(' ', Enumerable.Repeat("cargo", 100));
        var steps = await OpenAiClient.RunAsync(url, Token,
            OpenAiClient.Embed(new { model = "text-embedding-3-small", input = "x" }),
            OpenAiClient.Embed(new { model = Model, input = Enumerable.Repeat("x", 2049).ToArray() }),
            OpenAiClient.Embed(new { model = Model, input = new[] { "fine", longText } }),
            OpenAiClient.Embed(new { model = Model, input = longText, truncate = true }),
            OpenAiClient.Embed(new { model = Model, input = "x", dimensions = 65 }),
            OpenAiClient.Embed(new { model = Model, input = new[] { 1, 2, 99999 } }),
            OpenAiClient.Embed(new { model = Model, input = "x", encoding_format = "int8" }));
        var notFound = OpenAiClient.Error(steps[0], "NotFoundError", 404, "model_not_found", "model");
        Assert.Contains("text-embedding-3-small", notFound.GetProperty("message").GetString(), StringComparison.Ordinal);
        var tooMany = OpenAiClient.Error(steps[1], "BadRequestError", 400, null, "input");
        Assert.Equal("'input' has 2049 items; at most 2048 inputs are allowed per request.", tooMany.GetProperty("message").GetString());
        var tooLong = OpenAiClient.Error(steps[2], "BadRequestError", 400, "context_length_exceeded", "input");
        Assert.StartsWith("This model's maximum context length is 32 tokens, however 'input[1]' has ", tooLong.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(32, steps[3].GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        AssertClose(await OpenAiClient.EncodeAsync([longText], "--max-length", "32"), OpenAiClient.Vectors(steps[3]), "truncated");
        OpenAiClient.Error(steps[4], "BadRequestError", 400, null, "dimensions");
        OpenAiClient.Error(steps[5], "BadRequestError", 400, null, "input");
        OpenAiClient.Error(steps[6], "BadRequestError", 400, null, "encoding_format");

        var noToken = await OpenAiClient.RunAsync(url, null, OpenAiClient.Embed(new { model = Model, input = "x" }), OpenAiClient.Models());
        OpenAiClient.Error(noToken[0], "AuthenticationError", 401, "invalid_api_key");
        OpenAiClient.Error(noToken[1], "AuthenticationError", 401, "invalid_api_key");
        var wrongToken = await OpenAiClient.RunAsync(url, "not-the-token", OpenAiClient.Embed(new { model = Model, input = "x" }));
        OpenAiClient.Error(wrongToken[0], "AuthenticationError", 401, "invalid_api_key");
        Assert.DoesNotContain(Token, serve.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serving_beyond_loopback_without_a_token_is_refused_before_loading()
    {
        var (exit, _, stderr) = await TestCluster.CliAsync(["serve", "--model", "/nonexistent/model", "--listen", $"http://0.0.0.0:{TemporaryPostgres.FreePort()}"],
            env: new Dictionary<string, string> { ["CLUSTERING_TOKEN"] = "" });
        Assert.Equal(2, exit);
        Assert.Contains("reaches beyond this machine, so a token is required", stderr, StringComparison.Ordinal);
    }
}
