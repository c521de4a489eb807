using Clustering.Cluster;
using Clustering.Coordination;
using Clustering.Corpus;
using Clustering.Hosting;
using Clustering.Jobs;
using Clustering.Jobs.Scheduling;
using Clustering.Pipeline;
using Clustering.Storage;
using Microsoft.Extensions.Logging;

namespace Clustering.Silo;

/// <summary>
/// The one place where the silo meets the cluster: opening the store, this silo's devices (one
/// <see cref="ModelShardExecutor"/> each, run by the Orleans silo's device host), and submitting, cancelling and
/// listing through the grains. The HTTP API talks only to this class and to the store.
/// </summary>
public sealed class SiloCluster : IDisposable
{
    private readonly IClusterStore _store;
    private readonly SiloOptions _options;
    private readonly ILogger _log;
    private readonly Lazy<IGrainFactory> _grains;

    public SiloCluster(IClusterStore store, SiloOptions options, SiloMetrics metrics, ILoggerFactory logs, Func<IGrainFactory> grains)
    {
        _store = store;
        _options = options;
        _log = logs.CreateLogger("embed-silo");
        _grains = new Lazy<IGrainFactory>(grains);
        var devices = WorkerDevices(options);
        // CPU workers share the cores; a GPU worker's host thread needs none of them.
        var cpuWorkers = devices.Count(d => d.Kind == "cpu");
        Threads = options.Threads > 0 ? options.Threads : cpuWorkers > 0 ? Math.Max(1, Environment.ProcessorCount / cpuWorkers) : 0;
        // Blob URIs in inputs and outputs resolve through the same storage configuration as `embedctl run`.
        var locations = new LocationResolver();
        var inputs = new InputStores(locations);
        Executors = [.. devices.Select(d => new ModelShardExecutor(d, Threads, inputs, output => locations.OpenFolder(output), metrics.Progress))];
        StreamModels = new StreamDeviceModels(Executors);
        var schedules = new ScheduleRunner(store, inputs, output => locations.OpenFolder(output), logs.CreateLogger("schedules"));
        Services = new ClusterServices
        {
            Store = store,
            Inputs = inputs,
            Outputs = output => locations.OpenFolder(output),
            Devices = Executors,
            Progress = metrics.Progress,
            SiloName = options.ResolvedName,
            Schedules = schedules,
            ScheduleMinimumPeriod = options.ScheduleMinimumPeriod,
        };
    }

    /// <summary>What this silo's grains and device host work with (given to <c>AddEmbeddingCluster</c>).</summary>
    public ClusterServices Services { get; }

    /// <summary>This silo's devices (online models load on them, through their gates).</summary>
    public IReadOnlyList<ModelShardExecutor> Executors { get; }

    /// <summary>The models stream windows are embedded with, on <see cref="Executors"/>' devices.</summary>
    public StreamDeviceModels StreamModels { get; }

    /// <summary>Engine threads per device.</summary>
    public int Threads { get; }

    private IGrainFactory Grains => _grains.Value;

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

    /// <summary>The devices this silo runs a worker on, checked before the silo listens.</summary>
    public static IReadOnlyList<WorkerDevice> WorkerDevices(SiloOptions options) => EngineFactory.WorkerDevices(options.Devices, options.Workers);

    /// <summary>Creates the job pending with its spec and starts its grain, which plans it into shards.</summary>
    public async Task<string> SubmitAsync(JobSpec spec, CancellationToken ct)
    {
        var id = JobSubmitter.NewJobId(DateTimeOffset.UtcNow);
        await JobSubmitter.SubmitAsync(_store, id, spec, "submitted", $"submitted to silo {_options.ResolvedName}: {spec.Inputs.Count} input(s), model {spec.Model}", ct);
        await Grains.GetGrain<IJobGrain>(id).Start().WaitAsync(ct);
        _log.LogInformation("job {Job} submitted", id);
        return id;
    }

    /// <summary>Cancels a job that has not ended; false when it has. Workers holding its shards are told to drop them.</summary>
    public async Task<bool> CancelAsync(string jobId, CancellationToken ct)
    {
        if (!await Grains.GetGrain<IJobGrain>(jobId).Cancel($"cancelled through silo {_options.ResolvedName}").WaitAsync(ct)) return false;
        _log.LogInformation("job {Job} cancelled", jobId);
        return true;
    }

    /// <summary>Sets (or, for a deleted schedule, removes) the reminder of a schedule's grain now rather than at the next keeper round.</summary>
    public Task ArmScheduleAsync(string id, CancellationToken ct) => Grains.GetGrain<IScheduleGrain>(id).Arm().WaitAsync(ct);

    /// <summary>How long a read of the job directory grain may take before <see cref="WorkersOrNullAsync"/> gives up.</summary>
    public static readonly TimeSpan DirectoryBound = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The cluster's living workers, as the job directory grain knows them, or null when it does not answer within
    /// <see cref="DirectoryBound"/>: right after its silo died (kill -9) calls to it fail until membership declares
    /// that silo dead, and the callers (/metrics, /v1/workers) must answer meanwhile.
    /// </summary>
    public async Task<IReadOnlyList<KnownWorker>?> WorkersOrNullAsync(CancellationToken ct)
    {
        try
        {
            return await Grains.GetGrain<IJobDirectoryGrain>(0).Workers().WaitAsync(DirectoryBound, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    public void Dispose()
    {
        StreamModels.Dispose();
        foreach (var executor in Executors) executor.Dispose();
    }
}
