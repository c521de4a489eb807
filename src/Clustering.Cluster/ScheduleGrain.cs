using Clustering.Coordination;
using Clustering.Jobs.Scheduling;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Clustering.Cluster;

/// <summary>
/// See <see cref="IScheduleGrain"/>. Each wake-up (the reminder, <see cref="Arm"/>, or the watch while a run goes
/// on) is one step of <see cref="ClusterServices.Schedules"/>, run on the thread pool, not in the turn: it lists
/// inputs to fingerprint them and writes <c>_latest.json</c>. Then the reminder is set for the next occurrence: its due
/// time is the occurrence, its period the gap to the one after (at least the minimum period), so a wake-up this grain
/// never gets to re-arm (its silo died mid-step) still comes one period later. Not reentrant: steps never overlap.
/// </summary>
internal sealed class ScheduleGrain(ClusterServices services, ILogger<ScheduleGrain> log) : Grain, IScheduleGrain, IRemindable
{
    private const string Reminder = "occurrence";

    // The occurrence the reminder is set for by this activation: saves a reminder-table write per Arm.
    private DateTimeOffset? _armedFor;
    private IGrainTimer? _watch;

    private string Id => this.GetPrimaryKeyString();

    public Task Arm() => StepAsync();

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The alarm went off: the reminder must be set again, even for the same occurrence (a tick a moment early).
        _armedFor = null;
        return StepAsync();
    }

    private async Task StepAsync()
    {
        if (services.Schedules is not { } schedules) return;
        ScheduleStep? step;
        try
        {
            step = await Task.Run(() => schedules.StepAsync(Id, CancellationToken.None));
        }
        catch (Exception e) when (e is ClusteringException or IOException or ClusterStoreUnavailableException or TimeoutException)
        {
            // The reminder (or the next Arm) tries again; the occurrence stays due until a step claims it.
            log.LogWarning("schedule {Schedule}: {Message}", Id, e.Message);
            return;
        }
        if (step is null)
        {
            await DisarmAsync();
            return;
        }
        if (step.StartedJob is { } job) await GrainFactory.GetGrain<IJobGrain>(job).Start();
        if (_armedFor != step.NextRunAt)
        {
            var due = step.NextRunAt - DateTimeOffset.UtcNow;
            var period = step.Gap < services.ScheduleMinimumPeriod ? services.ScheduleMinimumPeriod : step.Gap;
            await this.RegisterOrUpdateReminder(Reminder, due < TimeSpan.Zero ? TimeSpan.Zero : due, period);
            _armedFor = step.NextRunAt;
        }
        Watch(step.LastRunGoing);
    }

    /// <summary>While the last run goes on, steps every few seconds so <c>_latest.json</c> follows it soon after it succeeds.</summary>
    private void Watch(bool on)
    {
        if (on && _watch is null)
            _watch = this.RegisterGrainTimer(_ => StepAsync(), new GrainTimerCreationOptions
            {
                DueTime = services.ScheduleWatch, Period = services.ScheduleWatch, KeepAlive = true,
            });
        else if (!on && _watch is not null)
        {
            _watch.Dispose();
            _watch = null;
        }
    }

    private async Task DisarmAsync()
    {
        Watch(false);
        if (await this.GetReminder(Reminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
            log.LogInformation("schedule {Schedule}: deleted or disabled; its reminder is removed", Id);
        }
        _armedFor = null;
        DeactivateOnIdle();
    }
}
