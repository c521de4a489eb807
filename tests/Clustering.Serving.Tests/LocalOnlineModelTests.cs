using System.Text;
using Clustering.Inference;
using Clustering.Tests.Shared;

namespace Clustering.Serving.Tests;

/// <summary>Online embedding through the batcher against the model run directly, as <c>embedctl encode</c> runs it.</summary>
public sealed class LocalOnlineModelTests : IDisposable
{
    private const string Name = "tiny";
    private readonly EmbeddingModel _model = TinyModel.Load(maxLength: 96);
    private readonly ServingMetrics _metrics = new();

    private LocalOnlineModel Serve(ServingLimits? limits = null) => new(Name, _model, limits ?? new ServingLimits(), _metrics);

    private static EmbeddingsRequest Request(string json) => EmbeddingsRequestReader.Read(Encoding.UTF8.GetBytes(json), new ServingLimits());

    /// <summary>What `embedctl encode --dimensions d [--instruction]` computes for one text: tokenize, embed alone, head.</summary>
    private float[] Direct(string text, int dimensions, string prompt = "")
    {
        var ids = _model.Tokenize(text, prompt, _model.MaxLength).Ids;
        var pooled = new float[_model.Config.HiddenSize];
        _model.EmbedPooled([ids], pooled);
        var vector = new float[dimensions];
        EmbeddingHead.Apply(pooled, _model.Normalize, vector);
        return vector;
    }

    [Fact]
    public async Task Concurrent_requests_are_batched_and_each_gets_its_own_vectors()
    {
        using var served = Serve();
        string[] texts = ["short", "a somewhat longer text about ships", "x", "twelve words of text that make a longer input than the rest"];
        Task<EmbeddingsResult>[] requests;
        using (_model.Gate.Enter(DevicePriority.Batch)) // the device is busy while they arrive, so they queue
            requests = Enumerable.Range(0, 24).Select(i => served.EmbedAsync(Request($$"""{"model":"tiny","input":["{{texts[i % 4]}}","{{texts[(i + 1) % 4]}}"],"dimensions":{{8 + i}}}"""), CancellationToken.None)).ToArray();
        var results = await Task.WhenAll(requests);
        for (var i = 0; i < results.Length; i++)
        {
            var d = 8 + i;
            Assert.Equal((2, d), (results[i].Count, results[i].Dimensions));
            for (var j = 0; j < 2; j++)
            {
                var expected = Direct(texts[(i + j) % 4], d);
                Assert.True(VectorMath.Cosine(expected, results[i].Vectors.AsSpan(j * d, d)) >= 0.99999, $"request {i} input {j}");
            }
        }
        // The device thread took what had queued when it woke (then waited at the gate), the rest made one more
        // pass; or it woke after all had queued and took them at once. 48 inputs, one or two passes, never one each.
        Assert.InRange(_metrics.BatchSequences.Count, 1, 2);
    }

    [Fact]
    public async Task Instruction_and_token_ids_match_the_model_run_directly()
    {
        using var served = Serve();
        const string task = "Given a web search query, retrieve relevant passages that answer the query";
        var byInstruction = await served.EmbedAsync(Request($$"""{"model":"tiny","input":"what is a ship","instruction":"{{task}}"}"""), CancellationToken.None);
        var byPromptName = await served.EmbedAsync(Request("""{"model":"tiny","input":"what is a ship","prompt_name":"query"}"""), CancellationToken.None);
        var expected = Direct("what is a ship", 64, PromptTemplate.Instruction(task));
        Assert.True(VectorMath.Cosine(expected, byInstruction.Vectors) >= 0.99999);
        Assert.True(VectorMath.Cosine(expected, byPromptName.Vectors) >= 0.99999);

        var ids = _model.Tokenize("what is a ship", "", null).Ids;
        var byIds = await served.EmbedAsync(Request($$"""{"model":"tiny","input":[{{string.Join(',', ids)}}]}"""), CancellationToken.None);
        Assert.True(VectorMath.Cosine(Direct("what is a ship", 64), byIds.Vectors) >= 0.99999);
        Assert.Equal(ids.Length, byIds.PromptTokens);
    }

    [Fact]
    public async Task Too_long_inputs_are_refused_unless_truncated()
    {
        using var served = Serve();
        var text = string.Join(' ', Enumerable.Repeat("word", 200));
        var error = (await Assert.ThrowsAsync<OpenAiErrorException>(() => served.EmbedAsync(Request($$"""{"model":"tiny","input":["ok","{{text}}"]}"""), CancellationToken.None))).Error;
        Assert.Equal((400, "input", "context_length_exceeded"), (error.Status, error.Param, error.Code));
        Assert.StartsWith("This model's maximum context length is 96 tokens, however 'input[1]' has ", error.Message, StringComparison.Ordinal);

        var cut = await served.EmbedAsync(Request($$"""{"model":"tiny","input":"{{text}}","truncate":true}"""), CancellationToken.None);
        Assert.Equal(96, cut.PromptTokens);
        Assert.True(VectorMath.Cosine(Direct(text, 64), cut.Vectors) >= 0.99999);

        using var truncating = new LocalOnlineModel("t2", _model, new ServingLimits { Truncate = true }, _metrics);
        Assert.Equal(96, (await truncating.EmbedAsync(Request($$"""{"model":"t2","input":"{{text}}"}"""), CancellationToken.None)).PromptTokens);
        var refused = await Assert.ThrowsAsync<OpenAiErrorException>(() => truncating.EmbedAsync(Request($$"""{"model":"t2","input":"{{text}}","truncate":false}"""), CancellationToken.None));
        Assert.Equal("context_length_exceeded", refused.Error.Code);
    }

    [Theory]
    [InlineData("""{"model":"tiny","input":"x","dimensions":65}""", "dimensions", "'dimensions' 65 is more than tiny has (64).")]
    [InlineData("""{"model":"tiny","input":[[1],[4015]]}""", "input", "'input[1][0]' is token id 4015; tiny's vocabulary has ids 0..4014.")]
    [InlineData("""{"model":"tiny","input":"x","prompt_name":"passage"}""", "prompt_name", "unknown prompt name \"passage\"")]
    public async Task Requests_the_model_cannot_take_are_400(string json, string param, string message)
    {
        using var served = Serve();
        var error = (await Assert.ThrowsAsync<OpenAiErrorException>(() => served.EmbedAsync(Request(json), CancellationToken.None))).Error;
        Assert.Equal((400, param), (error.Status, error.Param));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_over_the_token_limit_are_400()
    {
        using var served = Serve(new ServingLimits { MaxRequestTokens = 10 });
        var error = (await Assert.ThrowsAsync<OpenAiErrorException>(() => served.EmbedAsync(Request("""{"model":"tiny","input":[[1,2,3,4,5,6],[1,2,3,4,5]]}"""), CancellationToken.None))).Error;
        Assert.Equal("The inputs have 11 tokens together; at most 10 are allowed per request.", error.Message);
    }

    [Fact]
    public async Task A_full_queue_answers_429_with_retry_after_and_the_queued_request_still_completes()
    {
        using var served = Serve(new ServingLimits { MaxQueuedTokens = 8 });
        Task<EmbeddingsResult> first;
        using (_model.Gate.Enter(DevicePriority.Batch)) // a batch pass holds the device: nothing drains
        {
            first = served.EmbedAsync(Request("""{"model":"tiny","input":[[1,2,3,4,5,6]]}"""), CancellationToken.None);
            // The device thread takes it and waits at the gate; the queue is empty again.
            Assert.True(SpinWait.SpinUntil(() => _model.Gate.Snapshot().OnlineWaiting == 1, TimeSpan.FromSeconds(60)));
            Assert.Equal(0, served.Batcher.Depth().Requests);
            var again = served.EmbedAsync(Request("""{"model":"tiny","input":[[1,2,3,4,5,6]]}"""), CancellationToken.None);
            var third = served.EmbedAsync(Request("""{"model":"tiny","input":[[7,8,9]]}"""), CancellationToken.None);
            var refused = await Assert.ThrowsAsync<OpenAiErrorException>(() => third);
            Assert.Equal((429, "rate_limit_exceeded"), (refused.Error.Status, refused.Error.Code));
            Assert.NotNull(refused.RetryAfter);
            Assert.Equal(1, served.Batcher.Depth().Rejected);
            first = Task.WhenAll(first, again).ContinueWith(t => t.Result[0]);
        }
        Assert.Equal(6, (await first.WaitAsync(TimeSpan.FromSeconds(60))).PromptTokens);
        var (requests, tokens, _) = served.Batcher.Depth();
        Assert.Equal((0, 0L), (requests, tokens));
    }

    public void Dispose() => _model.Dispose();
}
