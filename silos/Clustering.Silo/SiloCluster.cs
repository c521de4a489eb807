using Clustering.Coordination;
using Clustering.Corpus;
using Clustering.Hosting;
using Clustering.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Clustering.Silo;

/// <summary>
/// The one place where the silo meets the cluster machinery of Clustering.Hosting: opening the store, submitting
/// and cancelling jobs, and running this silo's workers (one per device), its coordinator candidate and the
/// heartbeat that keeps the workers list and their leases fresh. The HTTP API talks only to this class and to the
/// store.
/// </summary>
public sealed class SiloCluster(IClusterStore store, SiloOptions options, SiloMetrics metrics, ILoggerFactory logs, IHostApplicationLifetime lifetime)
    : IHostedService, IAsyncDisposable
{
    private readonly ILogger _log = logs.CreateLogger("embed-silo");
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<EmbeddingWorker> _workers = [];
    private readonly List<Task> _running = [];

    /// <summary>Opens the store the address names, retrying while it is unreachable (a silo may start before its database).</summary>
    public static async Task<IClusterStore> OpenStoreAsync(SiloOptions options, ILogger log, CancellationToken ct)
    {
        var address = options.Store;
        var display = StoreAddress.Redact(address);
        var storeOptions = new ClusterStoreOptions
        {
            Backoff = new RetryBackoff(TimeSpan.FromSeconds(options.RetryBaseSeconds), TimeSpan.FromMinutes(10)),
        };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ClusterStores.OpenAsync(address, storeOptions, ct);
            }
            catch (ClusterStoreUnavailableException e) when (!ct.IsCancellationRequested)
            {
                var wait = TimeSpan.FromSeconds(Math.Min(30, attempt * 2));
                log.LogWarning("store {Store} unreachable ({Reason}); retrying in {Seconds} s", display, e.Message, wait.TotalSeconds);
                await Task.Delay(wait, ct);
            }
        }
    }

    /// <summary>This silo's workers, once started (online models load on their devices, through their gates).</summary>
    public IReadOnlyList<EmbeddingWorker> Workers => _workers;

    /// <summary>The devices this silo runs a worker on, checked before the silo listens.</summary>
    public static IReadOnlyList<WorkerDevice> WorkerDevices(SiloOptions options) => EngineFactory.WorkerDevices(options.Devices, options.Workers);

    /// <summary>Creates the job pending with its spec; the coordinator plans it into shards.</summary>
    public async Task<string> SubmitAsync(JobSpec spec, CancellationToken ct)
    {
        var id = JobSubmitter.NewJobId(DateTimeOffset.UtcNow);
        await JobSubmitter.SubmitAsync(store, id, spec, "submitted", $"submitted to silo {options.ResolvedName}: {spec.Inputs.Count} input(s), model {spec.Model}", ct);
        _log.LogInformation("job {Job} submitted", id);
        return id;
    }

    /// <summary>Cancels a job that has not ended; false when it has. Workers holding its shards lose their leases and stop.</summary>
    public async Task<bool> CancelAsync(string jobId, CancellationToken ct)
    {
        if (!await store.CancelJobAsync(jobId, ct)) return false;
        await store.AppendEventAsync(jobId, "cancelled", $"cancelled through silo {options.ResolvedName}", ct);
        _log.LogInformation("job {Job} cancelled", jobId);
        return true;
    }

    /// <summary>Workers start once the API is listening: a silo that cannot bind its port exits without having leased anything.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(StartWorkers);
        return Task.CompletedTask;
    }

    private void StartWorkers()
    {
        var name = options.ResolvedName;
        var devices = WorkerDevices(options);
        // CPU workers share the cores; a GPU worker's host thread needs none of them.
        var cpuWorkers = devices.Count(d => d.Kind == "cpu");
        var threads = options.Threads > 0 ? options.Threads : cpuWorkers > 0 ? Math.Max(1, Environment.ProcessorCount / cpuWorkers) : 0;
        // Blob URIs in inputs and outputs resolve through the same storage configuration as `embedctl run`.
        var inputs = new InputStores(BlobUriResolvers.Azure(null));
        var workerOptions = new WorkerOptions { LeaseDuration = options.LeaseDuration, IdlePoll = TimeSpan.FromMilliseconds(500), Threads = threads };
        var workerLog = logs.CreateLogger("worker");
        for (var i = 0; i < devices.Count; i++)
        {
            var worker = new EmbeddingWorker(store, $"{name}/w{i}", name, devices[i], workerOptions, inputs, output => OutputStores.Open(output), metrics.Progress, workerLog);
            _workers.Add(worker);
            _running.Add(Task.Run(() => RunWorkerAsync(worker, _stopping.Token), CancellationToken.None));
        }
        if (options.Coordinator)
        {
            var coordinator = new CoordinatorService(store, name, inputs, output => OutputStores.Open(output), logs.CreateLogger("coordinator"));
            _running.Add(Task.Run(() => coordinator.RunAsync(_stopping.Token), CancellationToken.None));
        }
        _running.Add(Task.Run(() => HeartbeatAsync(_stopping.Token), CancellationToken.None));
        _log.LogInformation("silo {Silo}: {Workers} worker(s) on {Devices} with {Threads} thread(s) each; coordinator candidate: {Coordinator}",
            name, devices.Count, string.Join(',', devices.Select(d => d.Device)), threads, options.Coordinator ? "yes" : "no");
    }

    /// <summary>
    /// Graceful stop: workers release the shards in hand (another worker takes them at once), the coordinator gives
    /// up its leadership lease, and the workers deregister.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _log.LogInformation("silo {Silo}: stopping; releasing shards and leadership", options.ResolvedName);
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_running).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            _log.LogWarning("silo {Silo}: shutdown timeout; leases left will expire", options.ResolvedName);
        }
        catch (Exception e) when (e is ClusteringException or ClusterStoreUnavailableException)
        {
            _log.LogWarning("silo {Silo}: {Message}", options.ResolvedName, e.Message);
        }
        foreach (var worker in _workers) await worker.DisposeAsync(); // deregisters
        _workers.Clear();
    }

    private async Task RunWorkerAsync(EmbeddingWorker worker, CancellationToken stopping)
    {
        // A worker that dies of a store outage at registration starts over; anything else is logged and retried
        // after a pause, so one bad job cannot take the silo's worker away for good.
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await worker.RunAsync(stopping);
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is ClusteringException or IOException)
            {
                _log.LogError("worker {Worker}: {Message}; restarting in 2 s", worker.Id, e.Message);
            }
            try { await Task.Delay(TimeSpan.FromSeconds(2), stopping); } catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>
    /// Every third of a lease: stamp each worker's heartbeat (keeping the counters and models its own commits
    /// wrote) and renew every shard lease it holds; forget workers of any silo silent for <see cref="StaleAfter"/>
    /// (killed hosts), so the workers list shows the living.
    /// </summary>
    private TimeSpan StaleAfter => TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(5).Ticks, options.LeaseDuration.Ticks * 10));

    private async Task HeartbeatAsync(CancellationToken stopping)
    {
        var every = options.LeaseDuration / 3;
        while (!stopping.IsCancellationRequested)
        {
            try { await Task.Delay(every, stopping); } catch (OperationCanceledException) { return; }
            try
            {
                var known = (await store.ListWorkersAsync(stopping)).ToDictionary(w => w.Id, StringComparer.Ordinal);
                foreach (var worker in _workers)
                {
                    if (known.TryGetValue(worker.Id, out var record))
                        await store.HeartbeatAsync(worker.Id, record.ModelsLoaded, record.Documents, record.Tokens, stopping);
                    var held = await store.RenewWorkerLeasesAsync(worker.Id, options.LeaseDuration, stopping);
                    metrics.LeaseRenewed(held.Count);
                }
                var staleBefore = DateTimeOffset.UtcNow - StaleAfter;
                foreach (var record in known.Values)
                    if (record.LastHeartbeat < staleBefore && await store.RemoveWorkerAsync(record.Id, stopping))
                        _log.LogInformation("forgot worker {Worker} of silo {Silo}: no heartbeat since {At:u}", record.Id, record.SiloName, record.LastHeartbeat);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (ClusterStoreUnavailableException e)
            {
                _log.LogWarning("heartbeat: store unavailable ({Message})", e.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers) await worker.DisposeAsync();
        _stopping.Dispose();
    }
}
