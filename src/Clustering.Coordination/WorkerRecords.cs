namespace Clustering.Coordination;

/// <summary>What a worker can serve: its device kind ("cpu", "cuda") and its device memory in bytes (0 on CPU).</summary>
public readonly record struct WorkerCapabilities(string DeviceKind, long GpuMemoryBytes);

/// <summary>A worker as registered: where it runs, its device, the models it has loaded and its counters.</summary>
public sealed record WorkerRecord(
    string Id,
    string SiloName,
    string DeviceKind,
    string? GpuName,
    long GpuMemoryBytes,
    IReadOnlyList<string> ModelsLoaded,
    DateTimeOffset RegisteredAt,
    DateTimeOffset LastHeartbeat,
    long Documents,
    long Tokens)
{
    public WorkerCapabilities Capabilities => new(DeviceKind, GpuMemoryBytes);
}

/// <summary>What a worker says when it registers.</summary>
public sealed record WorkerRegistration(
    string Id,
    string SiloName,
    string DeviceKind,
    string? GpuName,
    long GpuMemoryBytes,
    IReadOnlyList<string> ModelsLoaded);

/// <summary>A leadership lease: who holds <see cref="Name"/> until when, under which fencing token.</summary>
/// <param name="FencingToken">Grows by one every time the lease changes hands (or is retaken after expiry); never reused.</param>
public sealed record LeadershipLease(string Name, string Owner, DateTimeOffset ExpiresAt, long FencingToken);

/// <summary>One line of a job's history (submitted, planned, shard failed, completed...), in append order.</summary>
public sealed record JobEvent(long Id, string JobId, DateTimeOffset At, string Kind, string Message);

/// <summary>
/// A recurring job: <see cref="Spec"/> says when ("@every 24h" or a cron line; the coordinator interprets it), <see cref="JobTemplateJson"/>
/// what (a job spec the coordinator instantiates with a fresh id), <see cref="NextRunAt"/> the next time it is due.
/// </summary>
public sealed record ScheduleRecord(
    string Id,
    string Spec,
    string JobTemplateJson,
    DateTimeOffset NextRunAt,
    bool Enabled = true,
    DateTimeOffset? LastRunAt = null,
    string? LastJobId = null);
