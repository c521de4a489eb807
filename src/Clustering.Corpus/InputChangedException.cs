namespace Clustering.Corpus;

/// <summary>
/// An input is no longer the object the plan was made from (length or ETag changed, or it is gone). Reading on would
/// mix two versions, so the shard fails; the job has to be planned again.
/// </summary>
public sealed class InputChangedException(string input, string change)
    : ClusteringException($"{input}: input changed since the job was planned ({change}); plan the job again")
{
    public string Input { get; } = input;
}
