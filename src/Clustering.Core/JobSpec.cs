using System.Text.Json;
using System.Text.Json.Serialization;

namespace Clustering;

/// <summary>
/// Everything a job needs, as the user gave it: what to read, which model, how to embed, where to write.
/// `embedctl run` and `embedctl submit` build the same spec; the store keeps it as JSON, so a resumed or
/// re-planned job reads exactly what was asked. Defaults here are the documented defaults of the CLI.
/// </summary>
public sealed record JobSpec
{
    /// <summary>Files, folders, globs or blob URIs (a URI ending in '/' is a prefix).</summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    /// <summary>A Hugging Face model directory.</summary>
    public required string Model { get; init; }

    /// <summary>The job's output folder or blob prefix: parts, `_manifest.json`, `_SUCCESS`, `_errors/`.</summary>
    public required string Output { get; init; }

    public InputOptions Input { get; init; } = new();
    public EmbedOptions Embed { get; init; } = new();
    public OutputOptions Write { get; init; } = new();

    /// <summary>Documents per shard, about (a shard is the unit of leasing, retry and output).</summary>
    public int ShardDocs { get; init; } = 10_000;

    /// <summary>Attempts per shard before it is failed.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>How many shards may fail before the whole job is failed (0: any failed shard fails the job).</summary>
    public int AllowedFailedShards { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        WriteIndented = false,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static JobSpec FromJson(string json) =>
        JsonSerializer.Deserialize<JobSpec>(json, Json) ?? throw new ClusteringException("job spec: empty JSON");

    /// <summary>Refuses values no run could honour, naming the option. Paths are checked where they are opened.</summary>
    public void Validate()
    {
        if (Inputs.Count == 0) throw new ClusteringException("--input: at least one input is required");
        if (string.IsNullOrWhiteSpace(Model)) throw new ClusteringException("--model: a model directory is required");
        if (string.IsNullOrWhiteSpace(Output)) throw new ClusteringException("--output: an output folder is required");
        if (ShardDocs < 1) throw new ClusteringException($"--shard-docs: must be at least 1 (got {ShardDocs})");
        if (MaxAttempts < 1) throw new ClusteringException($"--max-attempts: must be at least 1 (got {MaxAttempts})");
        if (Embed.MaxLength < 2) throw new ClusteringException($"--max-length: must be at least 2 (got {Embed.MaxLength})");
        // A budget below --max-length is allowed: a document longer than the budget runs alone in its own pass.
        if (Embed.BatchTokens < 1) throw new ClusteringException($"--batch-tokens: must be at least 1 (got {Embed.BatchTokens})");
        BadRecordBudget.Parse(Input.MaxBadRecords);
        if (Embed.Dimensions is < 1) throw new ClusteringException($"--dimensions: must be positive (got {Embed.Dimensions})");
        if (Embed.Instruction is not null && Embed.PromptName is not null)
            throw new ClusteringException("--instruction and --prompt-name: give one or the other");
        if (Embed.ChunkTokens is < 1) throw new ClusteringException($"--chunk-tokens: must be at least 1 (got {Embed.ChunkTokens})");
        if (Embed.ChunkOverlap is { } overlap)
        {
            if (Embed.ChunkTokens is not { } chunk) throw new ClusteringException("--chunk-overlap needs --chunk-tokens");
            if (overlap < 0 || overlap >= chunk)
                throw new ClusteringException($"--chunk-overlap: must be at least 0 and below --chunk-tokens {chunk} (got {overlap})");
        }
        if (Embed.ChunkTokens is not null && Write.Format is not null)
            throw new ClusteringException($"--chunk-tokens and --output-format {Write.Format}: an OpenAI batch result holds one vector per input, not chunks");
        if (Input.MaxDocumentBytes < 1) throw new ClusteringException("--max-document-bytes: must be positive");
        OpenAiBatch.Check("--input-format", Input.Format);
        if (OpenAiBatch.Check("--output-format", Write.Format) is not null && Input.Format != OpenAiBatch.Format)
            throw new ClusteringException($"--output-format {OpenAiBatch.Format} answers the requests of an OpenAI batch file: give --input-format {OpenAiBatch.Format} too");
    }
}

/// <summary>How documents are found in the inputs.</summary>
public sealed record InputOptions
{
    public string IdField { get; init; } = "id";
    public string TextField { get; init; } = "text";
    public IReadOnlyList<string> KeepFields { get; init; } = [];
    public TextMode TextMode { get; init; } = TextMode.File;
    public int MaxDocumentBytes { get; init; } = 8 << 20;

    /// <summary>
    /// <c>--input-format</c>: null for documents (JSON lines with id and text fields, or text), or
    /// <see cref="OpenAiBatch.Format"/> for OpenAI batch files (one document per input of each /v1/embeddings request).
    /// Null rather than a default name, so the specs (and ids) of jobs without it stay as they were.
    /// </summary>
    public string? Format { get; init; }

    /// <summary>
    /// <c>--skip-bad-files</c>: inputs that cannot be used as files (not a regular file, a dangling link, not gzip, truncated,
    /// unreadable) are left out and listed in the summary and the manifest; without it they refuse the job. Written only
    /// when set, so the specs (and ids) of jobs without it stay as they were.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool SkipBadFiles { get; init; }

    /// <summary><c>--max-bad-records</c>: N bad records, or P% of all records; null for the default, <see cref="BadRecordBudget.Default"/>.</summary>
    public string? MaxBadRecords { get; init; }
}

/// <summary>The name of OpenAI's batch file format in <c>--input-format</c> and <c>--output-format</c>.</summary>
public static class OpenAiBatch
{
    public const string Format = "openai-batch";

    /// <summary>Null (the default) or the one other format; anything else is refused naming the option.</summary>
    public static string? Check(string option, string? value) => value switch
    {
        null or "" or "default" => null,
        Format => Format,
        _ => throw new ClusteringException($"{option}: '{value}' is not a format; give {Format} (or leave it out for the default)"),
    };
}

/// <summary>How a plain-text input becomes documents (<c>--text-mode</c>); the corpus reader and the job spec share it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TextMode>))]
public enum TextMode
{
    /// <summary>The whole file is one document; its id is the file's name.</summary>
    File,

    /// <summary>Each non-blank line is one document; its id is <c>&lt;file&gt;:&lt;line&gt;</c>.</summary>
    Line,
}

/// <summary>How text becomes a vector.</summary>
public sealed record EmbedOptions
{
    /// <summary>MRL: keep the first N dimensions, then L2-normalize. Null: the model's hidden size.</summary>
    public int? Dimensions { get; init; }

    /// <summary>Query instruction: embeds `Instruct: {Instruction}\nQuery:{text}`.</summary>
    public string? Instruction { get; init; }

    /// <summary>A prompt named in the model's config_sentence_transformers.json.</summary>
    public string? PromptName { get; init; }

    public int MaxLength { get; init; } = 8192;

    /// <summary>Tokens per forward pass (the batch budget).</summary>
    public int BatchTokens { get; init; } = 16_384;

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
}

/// <summary>How the Parquet parts are written.</summary>
public sealed record OutputOptions
{
    public CompressionCodec Compression { get; init; } = CompressionCodec.Zstd;

    /// <summary>`list` writes list&lt;float32&gt;; `fixed` writes the fixed-size form.</summary>
    public VectorType VectorType { get; init; } = VectorType.List;

    /// <summary>
    /// <c>--output-format</c>: null for the Parquet parts only, or <see cref="OpenAiBatch.Format"/> to also write OpenAI
    /// batch result lines (one per request of an OpenAI batch input) beside them.
    /// </summary>
    public string? Format { get; init; }
}

/// <summary>The Parquet codec of the output parts.</summary>
public enum CompressionCodec { None, Snappy, Gzip, Zstd }

public enum VectorType { List, Fixed }
