using Clustering.Coordination;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Clustering.Cluster;

/// <summary>
/// See <see cref="ISchedulerGrain"/>. The tick (the host's <see cref="ClusterServices.ScheduleTick"/>) runs on the
/// thread pool, not in a turn: it reads inputs to fingerprint them and writes <c>_latest.json</c>. Jobs a schedule
/// created are then started like submitted ones (their grains plan them).
/// </summary>
[Reentrant]
internal sealed class SchedulerGrain(ClusterServices services, ILogger<SchedulerGrain> log) : Grain, ISchedulerGrain
{
    private IGrainTimer? _timer;
    private bool _ticking;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (services.ScheduleTick is not null)
            _timer = this.RegisterGrainTimer(_ => TickAsync(), new GrainTimerCreationOptions
            {
                DueTime = TimeSpan.Zero, Period = services.ScheduleEvery, Interleave = true, KeepAlive = true,
            });
        return Task.CompletedTask;
    }

    public Task Poke() => Task.CompletedTask;

    private async Task TickAsync()
    {
        if (_ticking || services.ScheduleTick is not { } tick) return;
        _ticking = true;
        try
        {
            await Task.Run(() => tick(CancellationToken.None));
            foreach (var job in await services.Store.ListJobsAsync(JobState.Pending, 1000))
                await GrainFactory.GetGrain<IJobGrain>(job.Id).Start();
        }
        catch (Exception e) when (e is ClusteringException or IOException or ClusterStoreUnavailableException or OrleansException or TimeoutException)
        {
            log.LogWarning("schedules: {Message}", e.Message);
        }
        finally
        {
            _ticking = false;
        }
    }
}

/// <summary>Pokes the scheduler grain from every silo every few seconds, so it is active somewhere whenever a silo is.</summary>
internal sealed class SchedulerKeeper(ClusterServices services, IGrainFactory grains, ILogger<SchedulerKeeper> log) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SchedulerKeeper), ServiceLifecycleStage.Active, _ =>
        {
            if (services.ScheduleTick is not null) _running = Task.Run(() => KeepAsync(_stopping.Token));
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
                await grains.GetGrain<ISchedulerGrain>(0).Poke();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                log.LogWarning("scheduler grain unreachable: {Message}", e.Message);
            }
            try { await Task.Delay(services.ScheduleEvery * 5, stopping); } catch (OperationCanceledException) { return; }
        }
    }
}
