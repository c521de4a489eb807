namespace Clustering.Jobs.Scheduling;

/// <summary>
/// The schedule logic the schedule grain drives (<see cref="ScheduleRunner"/>, which knows inputs, fingerprints and
/// run folders). It runs off the grain's turns, on the thread pool.
/// </summary>
public interface IScheduleOccurrences
{
    /// <summary>
    /// Fires the schedule if an occurrence is due (creating its job pending, or skipping it while the last run goes on
    /// or the inputs are unchanged), and points <c>_latest.json</c> at the last run once it has succeeded. Null when
    /// the schedule is gone or disabled.
    /// </summary>
    Task<ScheduleStep?> StepAsync(string scheduleId, CancellationToken cancellationToken);
}

/// <summary>What one step found: the next occurrence, the time from it to the one after (the reminder's period), the
/// job this step created (its grain is to be started), and whether the last run is still going (to be watched).</summary>
public sealed record ScheduleStep(DateTimeOffset NextRunAt, TimeSpan Gap, string? StartedJob, bool LastRunGoing);
