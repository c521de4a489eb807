namespace Clustering.Pipeline;

/// <summary>What one shard attempt produced: the committed-to-be object and its counts.</summary>
public sealed record ShardOutcome(string OutputKey, long Rows, long Bytes, string Sha256, long Errors, long Tokens, string? ErrorsKey);
