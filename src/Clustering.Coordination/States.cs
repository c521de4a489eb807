namespace Clustering.Coordination;

/// <summary>
/// A job's life: pending (submitted, not planned) → planning (a coordinator is cutting shards) → running (shards
/// are leasable) → succeeded | failed. Cancelled can be reached from any state that is not final.
/// </summary>
public enum JobState { Pending, Planning, Running, Succeeded, Failed, Cancelled }

/// <summary>
/// A shard's life: pending (leasable once not_before has passed) → leased (one owner, one attempt, an expiry) →
/// done (committed, final) | pending again (failed, released or expired, with backoff) | failed (final, after
/// max_attempts failures).
/// </summary>
public enum ShardState { Pending, Leased, Done, Failed }

/// <summary>The lower-case words the stores keep in their state columns, and back.</summary>
public static class StateNames
{
    public static string ToText(this JobState state) => state switch
    {
        JobState.Pending => "pending",
        JobState.Planning => "planning",
        JobState.Running => "running",
        JobState.Succeeded => "succeeded",
        JobState.Failed => "failed",
        JobState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static string ToText(this ShardState state) => state switch
    {
        ShardState.Pending => "pending",
        ShardState.Leased => "leased",
        ShardState.Done => "done",
        ShardState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static JobState ParseJobState(string text) => text switch
    {
        "pending" => JobState.Pending,
        "planning" => JobState.Planning,
        "running" => JobState.Running,
        "succeeded" => JobState.Succeeded,
        "failed" => JobState.Failed,
        "cancelled" => JobState.Cancelled,
        _ => throw new ClusteringException($"cluster store: unknown job state '{text}' (a newer schema?)"),
    };

    public static ShardState ParseShardState(string text) => text switch
    {
        "pending" => ShardState.Pending,
        "leased" => ShardState.Leased,
        "done" => ShardState.Done,
        "failed" => ShardState.Failed,
        _ => throw new ClusteringException($"cluster store: unknown shard state '{text}' (a newer schema?)"),
    };

    /// <summary>True for succeeded, failed and cancelled: nothing changes a job after that.</summary>
    public static bool IsFinal(this JobState state) => state is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
}
