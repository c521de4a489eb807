using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Clustering.Cluster;

/// <summary>
/// The silo's devices: one <see cref="DeviceWorker"/> per device, each on its own tasks outside the grain scheduler,
/// started once the silo is active and stopped (shards in hand released) before it leaves the cluster.
/// </summary>
public sealed class DeviceHost(ClusterServices services, IGrainFactory grains, ILocalSiloDetails silo, ILoggerFactory logs)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly List<DeviceWorker> _workers = [];
    private readonly List<Task> _running = [];
    private readonly CancellationTokenSource _stopping = new();
    private volatile bool _releaseOnStop = true;

    public IReadOnlyList<DeviceWorker> Workers => _workers;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DeviceHost), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        var log = logs.CreateLogger("worker");
        foreach (var executor in services.Devices)
        {
            var worker = new DeviceWorker(WorkerIds.Of(silo.SiloAddress, executor.Device), executor, services, grains, log, () => _releaseOnStop);
            _workers.Add(worker);
            _running.Add(Task.Run(() => worker.RunAsync(_stopping.Token), CancellationToken.None));
        }
        if (_workers.Count > 0)
            log.LogInformation("silo {Silo}: {Count} worker(s) on {Devices}", services.SiloName, _workers.Count, string.Join(',', _workers.Select(w => w.Device)));
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        // An ungraceful stop (its token already cancelled: a shutdown out of time, TestingHost's KillSiloAsync) is a
        // crash: shards in hand are not released but taken back by membership as failed attempts. Releasing then
        // would race the silo's messaging going down, so the outcome (released, or failed) depended on which won.
        _releaseOnStop = !cancellationToken.IsCancellationRequested;
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_running).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Shutdown ran out of time: shards still in hand are taken back when this silo is declared dead.
        }
    }

    internal void Wake(string workerId) => _workers.Find(w => w.Id == workerId)?.Wake();

    internal void Abandon(string workerId, string jobId) => _workers.Find(w => w.Id == workerId)?.Abandon(jobId);

    // A worker id this silo has no device for holds nothing.
    internal ShardAttempt[] Holds(string workerId, string jobId) => _workers.Find(w => w.Id == workerId)?.Holds(jobId) ?? [];

    /// <summary>True once every worker has stopped on its own (its device kept failing) or crashed.</summary>
    public bool AllStopped => _running.Count > 0 && _running.All(t => t.IsCompleted);

    /// <summary>Why each worker stopped, for a run that has none left.</summary>
    public string StopReasons => string.Join("; ", _workers.Select((w, i) => _running[i].Exception?.GetBaseException().Message ?? w.StoppedBecause ?? "stopped"));
}
