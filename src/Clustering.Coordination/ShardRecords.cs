namespace Clustering.Coordination;

/// <summary>A shard's identity: its job and its index in that job.</summary>
public readonly record struct ShardKey(string JobId, int Index)
{
    public override string ToString() => $"{JobId}#{Index}";
}

/// <summary>
/// A shard as the store holds it.
/// <see cref="Attempt"/> is the fencing generation: every lease adds one, nothing lowers it, and the output object
/// is named with it. <see cref="Failures"/> counts failed attempts (reported errors and expired leases); the shard is
/// failed for good when it reaches the job's max_attempts. A graceful release counts in neither.
/// </summary>
public sealed record ShardRecord(
    string JobId,
    int Index,
    string SpecJson,
    ShardState State,
    int Attempt,
    int Failures,
    string? Owner,
    DateTimeOffset? LeaseExpiresAt,
    DateTimeOffset NotBefore,
    string? LastError,
    string? OutputKey,
    long Rows,
    long Bytes,
    string? Checksum,
    long Errors,
    long Tokens,
    DateTimeOffset? CompletedAt,
    long EmptyTexts = 0)
{
    public ShardKey Key => new(JobId, Index);
}

/// <summary>What a worker commits for the attempt it holds: the output object and what is in it.</summary>
public sealed record ShardCompletion(
    ShardKey Shard,
    int Attempt,
    string WorkerId,
    string OutputKey,
    long Rows,
    long Bytes,
    string Checksum,
    long Errors,
    long Tokens,
    long EmptyTexts = 0);
