namespace Clustering.Pipeline;

/// <summary>
/// What one shard attempt produced: the committed-to-be object and its counts. <see cref="EmptyTexts"/>: documents whose
/// text is empty or only whitespace (embedded all the same, as the model sees them; counted for the manifest).
/// </summary>
public sealed record ShardOutcome(string OutputKey, long Rows, long Bytes, string Sha256, long Errors, long Tokens, string? ErrorsKey, long EmptyTexts = 0);
