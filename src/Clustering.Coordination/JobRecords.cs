namespace Clustering.Coordination;

/// <summary>
/// What a submitter gives to create a job. <see cref="SpecJson"/> is the job spec (inputs, model options, output
/// options) as JSON text; the store keeps it verbatim and never looks inside.
/// </summary>
/// <param name="MaxAttempts">How many failed attempts (errors or expired leases) a shard may have before it is failed for good.</param>
/// <param name="AllowedFailedShards">The failure policy: the job fails as soon as more shards than this are failed.</param>
/// <param name="RequiredDeviceKind">Only workers of this device kind ("cpu", "cuda") may lease its shards; null: any.</param>
/// <param name="MinGpuMemoryBytes">Only workers with at least this much device memory may lease its shards; null: any.</param>
public sealed record NewJob(
    string Id,
    string SpecJson,
    string ModelId,
    string OutputLocation,
    int MaxAttempts = 3,
    int AllowedFailedShards = 0,
    string? RequiredDeviceKind = null,
    long? MinGpuMemoryBytes = null)
{
    /// <summary>Refuses what the store would otherwise keep and regret: empty ids, zero attempts, negative limits.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Id) || Id.Length > 200)
            throw new ClusteringException($"job id '{Id}': must be 1 to 200 characters");
        if (MaxAttempts < 1) throw new ClusteringException($"job {Id}: max_attempts must be at least 1, not {MaxAttempts}");
        if (AllowedFailedShards < 0) throw new ClusteringException($"job {Id}: allowed failed shards must not be negative ({AllowedFailedShards})");
        if (MinGpuMemoryBytes < 0) throw new ClusteringException($"job {Id}: minimum GPU memory must not be negative ({MinGpuMemoryBytes})");
        if (string.IsNullOrEmpty(ModelId)) throw new ClusteringException($"job {Id}: a model id is required");
    }
}

/// <summary>One shard to create: its index in the job (0-based) and its spec (input key, byte range, lines) as opaque JSON.</summary>
public sealed record NewShard(int Index, string SpecJson)
{
    /// <summary>What every store checks before it keeps a job's shards: indexes non-negative and distinct, specs present.</summary>
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

/// <summary>A job as the store holds it, with its shard counters aggregated at read time.</summary>
public sealed record JobRecord(
    string Id,
    string SpecJson,
    JobState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int MaxAttempts,
    int AllowedFailedShards,
    string? RequiredDeviceKind,
    long? MinGpuMemoryBytes,
    string ModelId,
    string OutputLocation,
    JobCounters Counters);

/// <summary>Shards by state and the sums over committed shards: the job's progress.</summary>
public sealed record JobCounters(
    int Shards,
    int Pending,
    int Leased,
    int Done,
    int Failed,
    long Rows,
    long Bytes,
    long Tokens,
    long Errors)
{
    public static readonly JobCounters Empty = new(0, 0, 0, 0, 0, 0, 0, 0, 0);
}

/// <summary>
/// The one result of a job reaching its end: its final state and every shard (the committed ones carry the output
/// key, rows, bytes and checksum the manifest lists). Only the caller whose conditional update moved the job gets it.
/// </summary>
public sealed record JobCompletion(string JobId, JobState State, IReadOnlyList<ShardRecord> Shards)
{
    public IEnumerable<ShardRecord> Committed => Shards.Where(s => s.State == ShardState.Done);
}
