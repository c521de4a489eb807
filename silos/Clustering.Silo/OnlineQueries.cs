using Clustering.Cluster;

namespace Clustering.Silo;

/// <summary>Between the API's request and error types and the messages that carry them from silo to silo.</summary>
public static class OnlineQueries
{
    public static OnlineQuery FromRequest(EmbeddingsRequest request, string fromSilo) =>
        new(request.Model, [.. request.Inputs.Select(i => new OnlineInput(i.Text, i.Ids))], request.Dimensions, request.Instruction, request.PromptName,
            request.Truncate, fromSilo);

    /// <summary>The request as the embedding silo's model takes it (the vectors go back as float32; the answering silo encodes them).</summary>
    public static EmbeddingsRequest ToRequest(OnlineQuery query) =>
        new(query.Model, [.. query.Inputs.Select(i => new EmbeddingInput(i.Text, i.Ids))], query.Dimensions, EncodingFormat.Float, null,
            query.Instruction, query.PromptName, query.Truncate);

    public static OnlineFailure ToFailure(OpenAiError error, TimeSpan? retryAfter) =>
        new(error.Status, error.Message, error.Type, error.Param, error.Code, retryAfter?.TotalSeconds);

    public static OpenAiErrorException ToException(OnlineFailure failure) =>
        new(new OpenAiError(failure.Status, failure.Message, failure.Type, failure.Param, failure.Code),
            failure.RetryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null);
}
