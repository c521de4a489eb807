using Clustering.Coordination;
using Clustering.Coordination.Postgres;
using Clustering.Coordination.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Clustering.Silo;

/// <summary>
/// The one place where the silo meets the cluster machinery of Clustering.Hosting: opening the store, submitting
/// and cancelling jobs, and starting/stopping this silo's workers and its coordinator candidate. The HTTP API only
/// talks to this class and to the store.
/// </summary>
public sealed class SiloCluster(IClusterStore store, SiloOptions options, SiloMetrics metrics, ILogger<SiloCluster> log) : IHostedService
{
    /// <summary>Opens the store the address names, retrying while it is unreachable (a silo may start before its database).</summary>
    public static async Task<IClusterStore> OpenStoreAsync(string address, ILogger log, CancellationToken ct)
    {
        var display = StoreAddress.Redact(address);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return StoreAddress.KindOf(address) switch
                {
                    StoreKind.Postgres => await PostgresClusterStore.OpenAsync(address, cancellationToken: ct),
                    _ => await SqliteClusterStore.OpenAsync(address, cancellationToken: ct),
                };
            }
            catch (ClusterStoreUnavailableException e) when (!ct.IsCancellationRequested)
            {
                var wait = TimeSpan.FromSeconds(Math.Min(30, attempt * 2));
                log.LogWarning("store {Store} unreachable ({Reason}); retrying in {Seconds} s", display, e.Message, wait.TotalSeconds);
                await Task.Delay(wait, ct);
            }
        }
    }

    /// <summary>Creates the job pending with its spec; the coordinator plans it into shards.</summary>
    public async Task<string> SubmitAsync(JobSpec spec, CancellationToken ct)
    {
        var id = Api.ApiInput.NewJobId(DateTimeOffset.UtcNow);
        var job = new NewJob(id, spec.ToJson(), spec.Model, spec.Output, spec.MaxAttempts, spec.AllowedFailedShards);
        job.Validate();
        await store.CreateJobAsync(job, [], ct);
        await store.AppendEventAsync(id, "submitted", $"submitted to silo {options.ResolvedName}: {spec.Inputs.Count} input(s), model {spec.Model}", ct);
        log.LogInformation("job {Job} submitted", id);
        return id;
    }

    /// <summary>Cancels a job that has not ended; false when it has.</summary>
    public async Task<bool> CancelAsync(string jobId, CancellationToken ct)
    {
        if (!await store.CancelJobAsync(jobId, ct)) return false;
        await store.AppendEventAsync(jobId, "cancelled", $"cancelled through silo {options.ResolvedName}", ct);
        log.LogInformation("job {Job} cancelled", jobId);
        return true;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = metrics;
        log.LogWarning("silo {Silo}: workers and coordinator are not wired yet (waiting for Clustering.Hosting)", options.ResolvedName);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
