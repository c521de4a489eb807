using Clustering.Pipeline;

namespace Clustering.Jobs;

/// <summary>
/// `_manifest.json`: the one list readers trust. Written once, when every shard is committed (or the failure policy
/// is met), before `_SUCCESS`; objects under the job's folder that it does not name are removed.
/// </summary>
public sealed record JobManifest
{
    public required string JobId { get; init; }
    public required string Status { get; init; }
    public required string Model { get; init; }
    public required int Dimensions { get; init; }
    public required string Pooling { get; init; }
    public required bool Normalized { get; init; }
    public string? Prompt { get; init; }
    public required string Dtype { get; init; }
    public required string ToolVersion { get; init; }
    public required DateTimeOffset CompletedAt { get; init; }
    public required long Documents { get; init; }
    public required long Errors { get; init; }
    public required long Tokens { get; init; }

    /// <summary>Documents whose text is empty or only whitespace: embedded as the model sees them, and counted here.</summary>
    public long EmptyTexts { get; init; }

    /// <summary>Rows whose id an earlier row already had (<c>count(*) - count(distinct id)</c>; chunked: of chunk 0), counted at publish.</summary>
    public long DuplicateIds { get; init; }
    public required IReadOnlyList<ManifestFile> Files { get; init; }
    public required IReadOnlyList<ManifestFile> ErrorFiles { get; init; }
    public required IReadOnlyList<ManifestColumn> Schema { get; init; }
    public IReadOnlyList<ManifestFailedShard> FailedShards { get; init; } = [];

    /// <summary>Why a job whose shards all committed failed anyway (over --max-bad-records, with the counts); null otherwise.</summary>
    public string? FailureReason { get; init; }

    /// <summary>Inputs left out with --skip-bad-files, "&lt;file&gt;: &lt;reason&gt;"; null when none were.</summary>
    public IReadOnlyList<string>? SkippedFiles { get; init; }

    /// <summary>OpenAI batch result files, one per committed shard (<c>--output-format openai-batch</c>); null otherwise.</summary>
    public IReadOnlyList<ManifestFile>? BatchResultFiles { get; init; }

    public byte[] ToUtf8() => ManifestObject.ToUtf8(this);

    public static JobManifest Parse(ReadOnlySpan<byte> utf8) => ManifestObject.Parse<JobManifest>(utf8, OutputLayout.Manifest);
}

/// <summary>One committed object: key relative to the job folder, rows, bytes and its SHA-256.</summary>
public sealed record ManifestFile(string Key, int Shard, int Attempt, long Rows, long Bytes, string Sha256);

public sealed record ManifestColumn(string Name, string Type);

public sealed record ManifestFailedShard(int Shard, int Attempts, string Error);
