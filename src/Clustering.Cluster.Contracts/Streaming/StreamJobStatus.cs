namespace Clustering.Cluster;

/// <summary>
/// A stream job as <c>embedctl stream show</c> prints it. <see cref="State"/>: running, paused, source-unavailable
/// (the silo could not reach the source; <see cref="LastError"/> says why) or deleted. Lag: events received (journaled)
/// but not yet in a committed window, and the age of the oldest of them. <see cref="Silo"/>: where the job's grain runs.
/// </summary>
[GenerateSerializer, Immutable, Alias("clustering.stream-job-status")]
public sealed record StreamJobStatus(
    [property: Id(0)] string Name,
    [property: Id(1)] string Source,
    [property: Id(2)] string Output,
    [property: Id(3)] string State,
    [property: Id(4)] long CommittedWindows,
    [property: Id(5)] string? LatestWindow,
    [property: Id(6)] long CommittedEvents,
    [property: Id(7)] long CommittedErrors,
    [property: Id(8)] long LagEvents,
    [property: Id(9)] double LagSeconds,
    [property: Id(10)] double EventsPerSecond,
    [property: Id(11)] long Redelivered,
    [property: Id(12)] string? LastError,
    [property: Id(13)] string? Silo,
    [property: Id(14)] int WindowDocs = 0,
    [property: Id(15)] double WindowSeconds = 0);
