using Clustering.Coordination;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Clustering.Cluster;

/// <summary>
/// Arms every enabled schedule's grain when this silo starts and then each minute: the reminders are durable in a
/// cluster, but a one-silo cluster keeps them in memory, a schedule row may have been written by an older version,
/// and a run's watch (which updates <c>_latest.json</c>) lives in an activation that a dead silo took with it.
/// Arming an armed schedule costs a store read.
/// </summary>
internal sealed class ScheduleKeeper(ClusterServices services, IGrainFactory grains, ILogger<ScheduleKeeper> log) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ScheduleKeeper), ServiceLifecycleStage.Active, _ =>
        {
            if (services.Schedules is not null) _running = Task.Run(() => KeepAsync(_stopping.Token));
            return Task.CompletedTask;
        }, async _ =>
        {
            await _stopping.CancelAsync();
            await _running;
        });

    private async Task KeepAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                foreach (var schedule in await services.Store.ListSchedulesAsync(stopping))
                    if (schedule.Enabled)
                        await grains.GetGrain<IScheduleGrain>(schedule.Id).Arm().WaitAsync(stopping);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or ClusterStoreUnavailableException)
            {
                log.LogWarning("arming schedules: {Message}", e.Message);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            try { await Task.Delay(services.ScheduleKeeperEvery, stopping); } catch (OperationCanceledException) { return; }
        }
    }
}
