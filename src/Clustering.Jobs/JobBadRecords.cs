using Clustering.Coordination;

namespace Clustering.Jobs;

/// <summary>
/// The bad-record budget of a finished job (<c>--max-bad-records</c>) over its committed shards: one rule for the job
/// grain, which ends such a job failed, and the publisher, which writes the reason into the manifest.
/// </summary>
public static class JobBadRecords
{
    /// <summary>Null when the committed shards' bad records are within the spec's budget; else why not, with the counts.</summary>
    public static string? OverBudget(JobSpec spec, IEnumerable<ShardRecord> shards)
    {
        long documents = 0, errors = 0;
        foreach (var shard in shards)
        {
            if (shard.State != ShardState.Done) continue;
            documents += shard.Rows;
            errors += shard.Errors;
        }
        return BadRecordBudget.Parse(spec.Input.MaxBadRecords).Exceeded(errors, documents + errors);
    }
}
