namespace Clustering.Serving;

/// <summary>How the vectors come back: JSON numbers, or base64 of little-endian float32 (what the openai clients ask for by default).</summary>
public enum EncodingFormat
{
    Float,
    Base64,
}

/// <summary>One input: a text (the prompt and special tokens are added) or token ids of the model's vocabulary (used as given).</summary>
public readonly record struct EmbeddingInput(string? Text, int[]? Ids);

/// <summary>
/// A parsed <c>POST /v1/embeddings</c> body: OpenAI's fields (<c>model</c>, <c>input</c>, <c>dimensions</c>,
/// <c>encoding_format</c>, <c>user</c>) and our extensions for instruction-aware models (<c>instruction</c>,
/// <c>prompt_name</c>) and for long inputs (<c>truncate</c>: cut to the model's max length instead of a 400).
/// </summary>
public sealed record EmbeddingsRequest(
    string Model,
    IReadOnlyList<EmbeddingInput> Inputs,
    int? Dimensions,
    EncodingFormat Format,
    string? User,
    string? Instruction,
    string? PromptName,
    bool? Truncate);
