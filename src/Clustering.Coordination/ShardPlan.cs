namespace Clustering.Coordination;

/// <summary>Checks on a shard plan before a store keeps it.</summary>
public static class ShardPlan
{
    /// <summary>Indexes must be non-negative and distinct; specs must be present.</summary>
    public static void Validate(string jobId, IReadOnlyList<NewShard> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var seen = new HashSet<int>();
        for (var i = 0; i < shards.Count; i++)
        {
            var s = shards[i];
            if (s.Index < 0) throw new ClusteringException($"job {jobId}: shard at position {i} has a negative index ({s.Index})");
            if (!seen.Add(s.Index)) throw new ClusteringException($"job {jobId}: shard index {s.Index} appears twice (position {i})");
            if (s.SpecJson is null) throw new ClusteringException($"job {jobId}: shard {s.Index} has no spec");
        }
    }
}
