using System.Globalization;

namespace Clustering.Parquet;

/// <summary>
/// What produced the vectors of an embedding file, written as file-level key-value metadata so a file
/// found on its own still says which model, settings and job made it.
/// </summary>
public sealed record EmbeddingMetadata
{
    public const string KeyModelId = "clustering.model_id";
    public const string KeyModelRevision = "clustering.model_revision";
    public const string KeyDimensions = "clustering.dimensions";
    public const string KeyPooling = "clustering.pooling";
    public const string KeyNormalized = "clustering.normalized";
    public const string KeyPrompt = "clustering.prompt";
    public const string KeyDtype = "clustering.dtype";
    public const string KeyJobId = "clustering.job_id";
    public const string KeyToolVersion = "clustering.tool_version";

    public required string ModelId { get; init; }

    /// <summary>A commit hash or other revision of the model; empty when unknown.</summary>
    public string ModelRevision { get; init; } = "";

    public required string Pooling { get; init; }
    public required bool Normalized { get; init; }

    /// <summary>The prompt prepended to every input (empty for documents without prompt).</summary>
    public string Prompt { get; init; } = "";

    /// <summary>The compute dtype that produced the vectors (e.g. bf16, fp32); they are always stored as float32.</summary>
    public required string Dtype { get; init; }

    public string JobId { get; init; } = "";

    public string ToolVersion { get; init; } = ParquetWriteOptions.DefaultCreatedBy;

    /// <summary>The footer entries, dimensions included, followed by the caller's extra entries.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToKeyValues(int dimensions, IReadOnlyList<KeyValuePair<string, string>> extra) =>
    [
        new(KeyModelId, ModelId),
        new(KeyModelRevision, ModelRevision),
        new(KeyDimensions, dimensions.ToString(CultureInfo.InvariantCulture)),
        new(KeyPooling, Pooling),
        new(KeyNormalized, Normalized ? "true" : "false"),
        new(KeyPrompt, Prompt),
        new(KeyDtype, Dtype),
        new(KeyJobId, JobId),
        new(KeyToolVersion, ToolVersion),
        .. extra,
    ];
}
