namespace Clustering.Coordination;

/// <summary>What a worker can serve: its device kind ("cpu", "cuda") and its device memory in bytes (0 on CPU).</summary>
public readonly record struct WorkerCapabilities(string DeviceKind, long GpuMemoryBytes);

/// <summary>One line of a job's history (submitted, planned, shard failed, completed...), in append order.</summary>
public sealed record JobEvent(long Id, string JobId, DateTimeOffset At, string Kind, string Message);

/// <summary>
/// A recurring job: <see cref="Spec"/> says when ("@every 24h" or a cron line; the schedule grain interprets it), <see cref="JobTemplateJson"/>
/// what (a job spec the schedule grain instantiates with a fresh id), <see cref="NextRunAt"/> the next time it is due.
/// </summary>
public sealed record ScheduleRecord(
    string Id,
    string Spec,
    string JobTemplateJson,
    DateTimeOffset NextRunAt,
    bool Enabled = true,
    DateTimeOffset? LastRunAt = null,
    string? LastJobId = null);
