using System.Text.Json.Serialization;

namespace Clustering;

/// <summary>
/// How documents are read from the corpus (<see cref="JobSpec.Input"/>, JSON "input"): the CLI's <c>--id-field</c>,
/// <c>--text-field</c>, <c>--keep-fields</c>, <c>--text-mode</c>, <c>--max-document-bytes</c>, <c>--input-format</c>,
/// <c>--skip-bad-files</c> and <c>--max-bad-records</c>. The corpus reader and planner take this record itself, so a
/// default or a rule is written once, here. Field names are dotted paths into nested objects (<c>meta.id</c>); a key
/// that itself contains a dot cannot be named.
/// </summary>
public sealed record CorpusOptions
{
    /// <summary>Documents per shard, about (<see cref="JobSpec.ShardDocs"/>: the unit of leasing, retry and output).</summary>
    public const int DefaultShardDocs = 10_000;
    public const int DefaultMaxDocumentBytes = 8 << 20;
    public const int MinMaxDocumentBytes = 16;
    // A line is held whole in memory while it is parsed; 1 GiB keeps that within one array.
    public const int MaxMaxDocumentBytes = 1 << 30;

    public string IdField { get; init; } = "id";
    public string TextField { get; init; } = "text";
    public IReadOnlyList<string> KeepFields { get; init; } = [];
    public TextMode TextMode { get; init; } = TextMode.File;
    public int MaxDocumentBytes { get; init; } = DefaultMaxDocumentBytes;

    /// <summary>
    /// <c>--input-format</c>: null for documents (JSON lines with id and text fields, or text), or
    /// <see cref="OpenAiBatch.Format"/> for OpenAI batch files (one document per input of each /v1/embeddings request).
    /// Null rather than a default name, so the specs (and ids) of jobs without it stay as they were.
    /// </summary>
    public string? Format { get; init; }

    /// <summary>JSON lines are OpenAI batch requests, not documents (<see cref="Format"/> is <see cref="OpenAiBatch.Format"/>).</summary>
    [JsonIgnore]
    public bool IsOpenAiBatch => Format == OpenAiBatch.Format;

    /// <summary>
    /// <c>--skip-bad-files</c>: inputs that cannot be used as files (not a regular file, a dangling link, not gzip, truncated,
    /// unreadable) are left out and listed in the summary and the manifest; without it they refuse the job. Written only
    /// when set, so the specs (and ids) of jobs without it stay as they were.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool SkipBadFiles { get; init; }

    /// <summary><c>--max-bad-records</c>: N bad records, or P% of all records; null for the default, <see cref="BadRecordBudget.Default"/>.</summary>
    public string? MaxBadRecords { get; init; }

    /// <summary>Parses <c>--keep-fields a,b.c</c>: comma-separated, blanks dropped, order kept.</summary>
    public static IReadOnlyList<string> ParseFieldList(string? list) =>
        string.IsNullOrWhiteSpace(list) ? [] : list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Refuses options no read could honour, naming the option (part of <see cref="JobSpec.Validate"/>).</summary>
    public void Validate()
    {
        CheckPath("--id-field", IdField);
        CheckPath("--text-field", TextField);
        foreach (var field in KeepFields) CheckPath("--keep-fields", field);
        if (MaxDocumentBytes is < MinMaxDocumentBytes or > MaxMaxDocumentBytes)
            throw new ClusteringException($"--max-document-bytes: must be {MinMaxDocumentBytes} to {MaxMaxDocumentBytes} (got {MaxDocumentBytes})");
        OpenAiBatch.Check("--input-format", Format);
        BadRecordBudget.Parse(MaxBadRecords);
    }

    /// <summary>The shard size rule, shared by <see cref="JobSpec.Validate"/> and the planner that cuts by it.</summary>
    public static void CheckShardDocs(int shardDocs)
    {
        if (shardDocs < 1) throw new ClusteringException($"--shard-docs: must be at least 1 (got {shardDocs})");
    }

    private static void CheckPath(string option, string path)
    {
        if (string.IsNullOrEmpty(path) || path.Split('.').Any(string.IsNullOrEmpty))
            throw new ClusteringException($"{option}: '{path}' is not a field path (names separated by single dots)");
    }
}

/// <summary>How a plain-text input becomes documents (<c>--text-mode</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TextMode>))]
public enum TextMode
{
    /// <summary>The whole file is one document; its id is the file's name.</summary>
    File,

    /// <summary>Each non-blank line is one document; its id is <c>&lt;file&gt;:&lt;line&gt;</c>.</summary>
    Line,
}
