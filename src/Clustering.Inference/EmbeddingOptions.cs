namespace Clustering.Inference;

/// <summary>How a model directory is turned into an embedder. Null fields take the model's defaults.</summary>
public sealed record EmbeddingOptions
{
    public const int DefaultMaxLength = 8192;
    public const int DefaultBatchTokens = 8192;

    /// <summary>"cpu" (the CUDA backend comes later). Chosen by the host that creates the <see cref="IOps"/>.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Worker threads of the CPU backend; 0 = all logical processors.</summary>
    public int Threads { get; init; }

    /// <summary>MRL: keep the first d of the hidden size's dimensions (then L2-normalize when the model normalizes). Null = hidden size.</summary>
    public int? Dimensions { get; init; }

    /// <summary>A prompt of the model's config_sentence_transformers.json, prefixed to every text.</summary>
    public string? PromptName { get; init; }

    /// <summary>A task: every text becomes "Instruct: {task}\nQuery:{text}" (Qwen3-Embedding queries).</summary>
    public string? Instruction { get; init; }

    /// <summary>Tokens per input after the prompt, special tokens included; longer inputs are truncated. Null = 8192 or the model's limit if lower.</summary>
    public int? MaxLength { get; init; }

    /// <summary>A tokenizer (tokenizer.json or its directory) to use instead of the model directory's own.</summary>
    public string? TokenizerPath { get; init; }

    /// <summary>Tokens per forward pass (the activation memory is sized by it); a longer single input still runs alone.</summary>
    public int BatchTokens { get; init; } = DefaultBatchTokens;
}
