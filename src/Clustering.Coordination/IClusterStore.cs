namespace Clustering.Coordination;

/// <summary>
/// The cluster state: jobs, shards, schedules and events. Implemented by the SQLite store
/// (embedded default, one machine, several processes) and the PostgreSQL store (cluster), both checked by one
/// conformance suite.
///
/// Rules every implementation keeps:
/// - each operation is one statement or one transaction, and safe to retry (a retried commit of the same attempt
///   and object is a success, not a conflict);
/// - "now" comes from the store's <see cref="TimeProvider"/>, never from the database clock, so every caller and
///   every test agrees on time; times are kept to the millisecond;
/// - writes that a stale actor could make are conditional: shard writes on (state, attempt, owner), job
///   transitions on the current state. A refused write changes nothing and returns false/null.
/// </summary>
public interface IClusterStore : IAsyncDisposable
{
    /// <summary>A name for messages and logs: the file path or the URI without its password.</summary>
    string DisplayName { get; }

    // ---- jobs ----

    /// <summary>
    /// Creates the job and its shards, idempotent by job id: returns false (and changes nothing) when a job with
    /// this id exists. With shards the job starts running; without, it is pending until <see cref="PlanJobAsync"/>.
    /// </summary>
    Task<bool> CreateJobAsync(NewJob job, IReadOnlyList<NewShard> shards, CancellationToken cancellationToken = default);

    /// <summary>pending → planning, for the coordinator that will cut the shards; false when not pending.</summary>
    Task<bool> TryStartPlanningAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds the planned shards (idempotent by index) and moves pending/planning → running; false when the job is in
    /// another state (cancelled while planning, already running).
    /// </summary>
    Task<bool> PlanJobAsync(string jobId, IReadOnlyList<NewShard> shards, CancellationToken cancellationToken = default);

    Task<JobRecord?> GetJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Jobs, newest first, optionally only those in <paramref name="state"/>.</summary>
    Task<IReadOnlyList<JobRecord>> ListJobsAsync(JobState? state = null, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>Every shard of the job, by index.</summary>
    Task<IReadOnlyList<ShardRecord>> ListShardsAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Cancels a job that is not final; its shards are no longer leased, renewed or committed. False when final or absent.</summary>
    Task<bool> CancelJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Fails a job that could not be planned (pending or planning; it has no shards): the reason is the job's
    /// "failed" event, written by the caller. False when the job is past planning, final or absent.
    /// </summary>
    Task<bool> FailUnplannedJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends a running job when every shard is done or failed (succeeded when no more than the allowed shards failed),
    /// or as soon as more shards failed than allowed (failed). The move is one conditional update, so among
    /// concurrent callers exactly one gets the completion; the others, and calls before the end, get null.
    /// </summary>
    Task<JobCompletion?> TryCompleteJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends a running job failed once no shard of it is pending or leased, whatever its shards say (a job over its
    /// bad-record budget): one conditional update, so the job never shows succeeded first. The reason is the job's
    /// "failed" event, written by the caller. False when shards are still open or the job is not running.
    /// </summary>
    Task<bool> FailFinishedJobAsync(string jobId, CancellationToken cancellationToken = default);

    // ---- shards ----

    /// <summary>
    /// Leases one pending shard (not_before ≤ now) of a running job this worker can serve (device kind, memory),
    /// preferring jobs whose model is in <paramref name="loadedModels"/>, then older jobs, then lower indexes.
    /// Sets state leased, owner, expiry and attempt + 1. Null when nothing is leasable. With <paramref name="onlyJob"/>,
    /// only that job's shards (how a job grain offers its own); with <paramref name="onlyShard"/> as well, only that shard
    /// (a job grain offers only shards whose work item it has received from the work stream).
    /// </summary>
    Task<ShardRecord?> LeaseShardAsync(string workerId, WorkerCapabilities capabilities, IReadOnlyCollection<string> loadedModels,
        TimeSpan leaseDuration, CancellationToken cancellationToken = default, string? onlyJob = null, int? onlyShard = null);

    /// <summary>
    /// Commits the attempt: one conditional update on (state leased, attempt, owner) of a running job. False when
    /// fenced out (a late writer changes nothing). Committing the same attempt with the same output key again returns true.
    /// </summary>
    Task<bool> CompleteShardAsync(ShardCompletion completion, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reports a failed attempt: back to pending with not_before = now + exponential backoff with jitter, or failed
    /// with this error once the shard has failed max_attempts times. Returns the shard after the change; null when fenced out.
    /// </summary>
    Task<ShardRecord?> FailShardAsync(ShardKey shard, int attempt, string workerId, string error, CancellationToken cancellationToken = default);

    /// <summary>
    /// Graceful give-back (shutdown): back to pending at once, not counted as a failure. The attempt number stays
    /// (it only grows), so the next lease writes a differently named object. False when fenced out.
    /// </summary>
    Task<bool> ReleaseShardAsync(ShardKey shard, int attempt, string workerId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Done shards whose committed objects are gone from the output (found by a rerun that checks the output against
    /// the record) go back to pending, with <paramref name="reason"/> as their last error; their next lease is a new
    /// attempt and so a new object name. A finished job (succeeded or failed) with such shards runs again; a cancelled
    /// one is left alone. Returns how many shards were reopened.
    /// </summary>
    Task<int> ReopenShardsAsync(string jobId, IReadOnlyCollection<int> shardIndices, string reason, CancellationToken cancellationToken = default);

    // ---- events ----

    /// <summary>Appends an event to the job's history and returns its id (ids grow in append order).</summary>
    Task<long> AppendEventAsync(string jobId, string kind, string message, CancellationToken cancellationToken = default);

    /// <summary>The job's events with id greater than <paramref name="afterId"/>, in order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<JobEvent>> ReadEventsAsync(string jobId, long afterId = 0, int limit = 1000, CancellationToken cancellationToken = default);

    // ---- schedules ----

    Task UpsertScheduleAsync(ScheduleRecord schedule, CancellationToken cancellationToken = default);
    Task<ScheduleRecord?> GetScheduleAsync(string id, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<ScheduleRecord>> ListSchedulesAsync(CancellationToken cancellationToken = default);
    Task<bool> DeleteScheduleAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a run: moves next_run_at from <paramref name="expectedNextRun"/> to <paramref name="nextRun"/>
    /// (conditional, so two activations of a schedule grain cannot both fire one occurrence) and notes the job it started.
    /// </summary>
    Task<bool> TryAdvanceScheduleAsync(string id, DateTimeOffset expectedNextRun, DateTimeOffset nextRun, string? jobId,
        CancellationToken cancellationToken = default);
}
