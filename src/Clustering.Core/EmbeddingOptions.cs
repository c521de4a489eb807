namespace Clustering;

/// <summary>
/// How text becomes a vector (<see cref="JobSpec.Embed"/>, JSON "embed"). One record for every entry point: jobs
/// (`embedctl run`/`submit`, the silo's POST /v1/jobs, schedules, streams) carry it in their spec, and `embedctl
/// encode`/`serve` build it from the same flags; the engine takes it as it is. So each option has one default (the
/// constants here) and one rule (<see cref="Validate"/>), and the same bad value gets the same message everywhere.
/// </summary>
public sealed record EmbeddingOptions
{
    /// <summary>
    /// <see cref="MaxLength"/>'s default. Left at it, the length is this or the model's limit when lower (a 512-position
    /// BERT); any other value is the user's and is refused when the model cannot take it.
    /// </summary>
    public const int DefaultMaxLength = 8192;

    /// <summary><see cref="BatchTokens"/>'s default: two full-length inputs per pass.</summary>
    public const int DefaultBatchTokens = 16_384;

    /// <summary>MRL: keep the first N dimensions, then L2-normalize. Null: the model's hidden size.</summary>
    public int? Dimensions { get; init; }

    /// <summary>Query instruction: embeds `Instruct: {Instruction}\nQuery:{text}`.</summary>
    public string? Instruction { get; init; }

    /// <summary>A prompt named in the model's config_sentence_transformers.json.</summary>
    public string? PromptName { get; init; }

    /// <summary>Tokens per input, prompt and special tokens included; longer inputs are truncated. See <see cref="DefaultMaxLength"/>.</summary>
    public int MaxLength { get; init; } = DefaultMaxLength;

    /// <summary>Tokens per forward pass (the batch budget; activation memory is sized by it); a longer single input still runs alone.</summary>
    public int BatchTokens { get; init; } = DefaultBatchTokens;

    /// <summary>
    /// Cut each document into windows of this many of its tokens (the prompt and special tokens come on top), one output
    /// row per window. Null: one row per document, truncated to <see cref="MaxLength"/>.
    /// </summary>
    public int? ChunkTokens { get; init; }

    /// <summary>Tokens each window shares with the one before (below <see cref="ChunkTokens"/>). Null: 0.</summary>
    public int? ChunkOverlap { get; init; }

    /// <summary>`cpu`, `cuda` (every GPU) or `cuda:0,1`.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>CPU threads for the engine (0: all cores).</summary>
    public int Threads { get; init; }

    /// <summary>The max length for a model with <paramref name="positions"/> positions (see <see cref="DefaultMaxLength"/>).</summary>
    public int MaxLengthFor(int positions) => MaxLength == DefaultMaxLength ? Math.Min(DefaultMaxLength, positions) : MaxLength;

    /// <summary>
    /// Refuses values no model could honour, naming the option. What depends on the model (dimensions above its hidden
    /// size, a length beyond its positions, an unknown prompt name) is checked where its files are read.
    /// </summary>
    public void Validate()
    {
        if (MaxLength < 2) throw new ClusteringException($"--max-length: must be at least 2 (got {MaxLength})");
        // A budget below --max-length is allowed: a document longer than the budget runs alone in its own pass.
        if (BatchTokens < 1) throw new ClusteringException($"--batch-tokens: must be at least 1 (got {BatchTokens})");
        if (Dimensions is < 1) throw new ClusteringException($"--dimensions: must be positive (got {Dimensions})");
        if (Instruction is not null && PromptName is not null)
            throw new ClusteringException("--instruction and --prompt-name: give one or the other");
        if (ChunkTokens is < 1) throw new ClusteringException($"--chunk-tokens: must be at least 1 (got {ChunkTokens})");
        if (ChunkOverlap is { } overlap)
        {
            if (ChunkTokens is not { } chunk) throw new ClusteringException("--chunk-overlap needs --chunk-tokens");
            if (overlap < 0 || overlap >= chunk)
                throw new ClusteringException($"--chunk-overlap: must be at least 0 and below --chunk-tokens {chunk} (got {overlap})");
        }
        if (string.IsNullOrWhiteSpace(Device)) throw new ClusteringException("--device: give cpu, cuda or cuda:0,1");
        if (Threads < 0) throw new ClusteringException($"--threads: must be 0 (all cores) or more (got {Threads})");
    }
}
