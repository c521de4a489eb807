namespace Clustering.Cluster;

/// <summary>One input of an online request: a text (prompt and special tokens are added) or token ids used as given.</summary>
[GenerateSerializer, Immutable, Alias("clustering.online-input")]
public sealed record OnlineInput([property: Id(0)] string? Text, [property: Id(1)] int[]? Ids);

/// <summary>A parsed <c>POST /v1/embeddings</c> request on its way to the silo that embeds it, and the silo it came in on.</summary>
[GenerateSerializer, Immutable, Alias("clustering.online-query")]
public sealed record OnlineQuery(
    [property: Id(0)] string Model,
    [property: Id(1)] OnlineInput[] Inputs,
    [property: Id(2)] int? Dimensions,
    [property: Id(3)] string? Instruction,
    [property: Id(4)] string? PromptName,
    [property: Id(5)] bool? Truncate,
    [property: Id(6)] string FromSilo);

/// <summary>An OpenAI-shaped error carried back from the silo that refused a request (the API writes it as it is).</summary>
[GenerateSerializer, Immutable, Alias("clustering.online-failure")]
public sealed record OnlineFailure(
    [property: Id(0)] int Status,
    [property: Id(1)] string Message,
    [property: Id(2)] string Type,
    [property: Id(3)] string? Param,
    [property: Id(4)] string? Code,
    [property: Id(5)] double? RetryAfterSeconds);

/// <summary>The vectors of a request, (inputs, dimensions) row-major, with the tokens they took and the silo that embedded them; or its error.</summary>
[GenerateSerializer, Immutable, Alias("clustering.online-answer")]
public sealed record OnlineAnswer(
    [property: Id(0)] float[] Vectors,
    [property: Id(1)] int Count,
    [property: Id(2)] int Dimensions,
    [property: Id(3)] long PromptTokens,
    [property: Id(4)] string Silo,
    [property: Id(5)] OnlineFailure? Error)
{
    public static OnlineAnswer Failed(OnlineFailure error, string silo) => new([], 0, 0, 0, silo, error);
}
