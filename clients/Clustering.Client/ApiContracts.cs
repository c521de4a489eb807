namespace Clustering.Client;

// The wire format of the silo's HTTP API (/v1). The silo serves these same types, so the client and the server
// cannot drift apart. JSON is snake_case (see ApiJson); states are the lower-case words of the store.

/// <summary>The answer to POST /v1/jobs.</summary>
public sealed record SubmittedJob(string Id, string State);

/// <summary>
/// A job: its state, shard counters, the errors of shards that failed or are retrying, and for a failed job why it
/// failed (its "failed" event: the planning error of a job that could not be planned).
/// </summary>
public sealed record JobView(
    string Id,
    string State,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string Model,
    string Output,
    int MaxAttempts,
    int AllowedFailedShards,
    JobCountersView Counters,
    IReadOnlyList<ShardErrorView> ShardErrors,
    string? Error = null);

/// <summary>Shards by state and the sums over committed shards.</summary>
public sealed record JobCountersView(int Shards, int Pending, int Leased, int Done, int Failed, long Rows, long Bytes, long Tokens, long Errors);

/// <summary>A shard that failed for good (state failed) or failed at least once and is waiting to retry (state pending).</summary>
public sealed record ShardErrorView(int Shard, string State, int Failures, string Error);

/// <summary>One shard of a job.</summary>
public sealed record ShardView(
    int Index,
    string State,
    int Attempt,
    int Failures,
    string? Owner,
    DateTimeOffset? LeaseExpiresAt,
    DateTimeOffset NotBefore,
    string? LastError,
    string? OutputKey,
    long Rows,
    long Bytes,
    long Tokens,
    long Errors,
    DateTimeOffset? CompletedAt);

/// <summary>A registered worker.</summary>
public sealed record WorkerView(
    string Id,
    string Silo,
    string DeviceKind,
    string? GpuName,
    long GpuMemoryBytes,
    IReadOnlyList<string> ModelsLoaded,
    DateTimeOffset RegisteredAt,
    DateTimeOffset LastHeartbeat,
    long Documents,
    long Tokens);

/// <summary>One line of a job's history, as the events stream sends it (the SSE id is <see cref="Id"/>).</summary>
public sealed record JobEventView(long Id, DateTimeOffset At, string Kind, string Message);

/// <summary>
/// The body of POST /v1/schedules: a job that runs again whenever <paramref name="Rule"/> says ("@every 6h",
/// "@daily" or a five-field cron line, UTC). Each run writes to a subfolder of the job's output named by the
/// occurrence (20261122T060000Z); <c>_latest.json</c> there names the newest run that succeeded.
/// </summary>
/// <param name="Job">A job spec, as POST /v1/jobs takes it.</param>
/// <param name="SkipUnchanged">Skip an occurrence when the inputs are as the last successful run found them (default true).</param>
/// <param name="Keep">Successful runs to keep; older run folders are deleted (default 0: keep all).</param>
public sealed record NewSchedule(string Id, string Rule, System.Text.Json.JsonElement Job, bool? SkipUnchanged = null, int? Keep = null);

/// <summary>A schedule: when it next runs, and the job it last started.</summary>
/// <param name="LastRunAt">When an occurrence was last handled: a job started or the occurrence skipped.</param>
public sealed record ScheduleView(
    string Id,
    string Rule,
    bool Enabled,
    bool SkipUnchanged,
    int Keep,
    DateTimeOffset NextRunAt,
    DateTimeOffset? LastRunAt,
    string? LastJobId,
    string Model,
    string Output);

/// <summary>The body of every error answer.</summary>
public sealed record ApiError(string Error);

/// <summary>Job states as the API spells them.</summary>
public static class JobStates
{
    public const string Pending = "pending";
    public const string Planning = "planning";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsFinal(string state) => state is Succeeded or Failed or Cancelled;
}

/// <summary>
/// The body of POST /v1/streams: a stream job that embeds the events of <paramref name="Source"/> (a source the silos
/// were started with: azqueue://ACCOUNT/QUEUE or eventhub://NAMESPACE/HUB[/GROUP]) as they arrive, into windows under
/// the job's output. A window closes when it holds <paramref name="WindowDocs"/> events or its first event is
/// <paramref name="WindowSeconds"/> old.
/// </summary>
/// <param name="Job">A job spec as POST /v1/jobs takes it: its model, output, embedding and field options apply; its inputs are not read.</param>
public sealed record NewStream(string Name, string Source, System.Text.Json.JsonElement Job, int? WindowDocs = null, double? WindowSeconds = null);

/// <summary>
/// A stream job. State: running, paused, or source-unavailable (the silos could not reach the source; see
/// <see cref="LastError"/>). Lag: events received but not yet in a committed window, and the age of the oldest of
/// them. Throughput: events committed per second over the last minute. <see cref="Silo"/>: where its grain runs.
/// </summary>
public sealed record StreamView(
    string Name,
    string Source,
    string Output,
    string State,
    int WindowDocs,
    double WindowSeconds,
    long CommittedWindows,
    string? LatestWindow,
    long CommittedEvents,
    long CommittedErrors,
    long LagEvents,
    double LagSeconds,
    double EventsPerSecond,
    long Redelivered,
    string? LastError,
    string? Silo);

/// <summary>The answer to DELETE /v1/streams/NAME.</summary>
public sealed record DeletedStream(string Name, bool Deleted);
