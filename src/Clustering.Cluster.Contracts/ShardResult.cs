namespace Clustering.Cluster;

/// <summary>What a worker commits for the attempt it holds: the object it wrote and what is in it.</summary>
[GenerateSerializer, Immutable, Alias("clustering.shard-result")]
public sealed record ShardResult(
    [property: Id(0)] string JobId,
    [property: Id(1)] int Index,
    [property: Id(2)] int Attempt,
    [property: Id(3)] string WorkerId,
    [property: Id(4)] string OutputKey,
    [property: Id(5)] long Rows,
    [property: Id(6)] long Bytes,
    [property: Id(7)] string Sha256,
    [property: Id(8)] long Errors,
    [property: Id(9)] long Tokens,
    [property: Id(10)] long EmptyTexts = 0);
