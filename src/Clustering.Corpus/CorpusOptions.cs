namespace Clustering.Corpus;

/// <summary>
/// How documents are read from the corpus: the CLI's <c>--id-field</c>, <c>--text-field</c>, <c>--keep-fields</c>,
/// <c>--text-mode</c>, <c>--max-document-bytes</c> and <c>--shard-docs</c>. Field names are dotted paths into nested
/// objects (<c>meta.id</c>); a key that itself contains a dot cannot be named.
/// </summary>
public sealed record CorpusOptions
{
    public const int DefaultShardDocuments = 10_000;
    public const int DefaultMaxDocumentBytes = 8 << 20;
    public const int MinMaxDocumentBytes = 16;
    // A line is held whole in memory while it is parsed; 1 GiB keeps that within one array.
    public const int MaxMaxDocumentBytes = 1 << 30;

    public string IdField { get; init; } = "id";
    public string TextField { get; init; } = "text";
    public IReadOnlyList<string> KeepFields { get; init; } = [];
    public TextMode TextMode { get; init; } = TextMode.File;
    public int MaxDocumentBytes { get; init; } = DefaultMaxDocumentBytes;
    public int ShardDocuments { get; init; } = DefaultShardDocuments;

    /// <summary>JSON lines are OpenAI batch requests (<see cref="OpenAiBatchLine"/>), not documents.</summary>
    public bool OpenAiBatch { get; init; }

    /// <summary>Plan without the inputs that cannot be used as files (<see cref="InputFileException"/>) instead of refusing the job.</summary>
    public bool SkipBadFiles { get; init; }

    /// <summary>Parses <c>--keep-fields a,b.c</c>: comma-separated, blanks dropped, order kept.</summary>
    public static IReadOnlyList<string> ParseFieldList(string? list) =>
        string.IsNullOrWhiteSpace(list) ? [] : list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Refuses options that cannot work, naming the option.</summary>
    public void Validate()
    {
        CheckPath("--id-field", IdField);
        CheckPath("--text-field", TextField);
        foreach (var field in KeepFields) CheckPath("--keep-fields", field);
        if (ShardDocuments < 1)
            throw new ClusteringException($"--shard-docs must be at least 1 (got {ShardDocuments})");
        if (MaxDocumentBytes is < MinMaxDocumentBytes or > MaxMaxDocumentBytes)
            throw new ClusteringException($"--max-document-bytes must be within {MinMaxDocumentBytes}..{MaxMaxDocumentBytes} (got {MaxDocumentBytes})");
    }

    private static void CheckPath(string option, string path)
    {
        if (string.IsNullOrEmpty(path) || path.Split('.').Any(string.IsNullOrEmpty))
            throw new ClusteringException($"{option}: '{path}' is not a field path (names separated by single dots)");
    }
}
