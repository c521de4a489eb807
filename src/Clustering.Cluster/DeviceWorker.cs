using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Clustering.Cluster;

/// <summary>
/// One device's worker: when it has room it asks the running jobs (those of a model it has loaded first) for a shard,
/// runs it on the device through its <see cref="IShardExecutor"/>, and commits it to the job grain, which fences it.
/// It asks for the next shard as soon as the current one has left the device, so reading and tokenizing the next
/// overlap the current one's Parquet tail, upload and commit: at most two shards in hand, one on the device.
/// Nothing here runs in a grain turn. Idle, it waits to be woken (a job has work) or for <see cref="ClusterServices.IdleCheck"/>.
/// </summary>
public sealed class DeviceWorker
{
    private readonly IShardExecutor _executor;
    private readonly ClusterServices _services;
    private readonly IGrainFactory _grains;
    private readonly ILogger _log;
    private readonly Func<bool> _releaseOnStop;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Job, int Index), (int Attempt, CancellationTokenSource Abandon)> _inHand = [];
    private readonly Dictionary<string, JobSpec> _specs = new(StringComparer.Ordinal);
    private long _documents;
    private long _tokens;
    private int _consecutiveFailures;
    private string? _lastFailure;

    internal DeviceWorker(string id, IShardExecutor executor, ClusterServices services, IGrainFactory grains, ILogger log, Func<bool> releaseOnStop)
    {
        _releaseOnStop = releaseOnStop;
        Id = id;
        _executor = executor;
        _services = services;
        _grains = grains;
        _log = log;
    }

    public string Id { get; }

    public string Device => _executor.Device;

    /// <summary>Why this worker stopped on its own (its shards kept failing), or null.</summary>
    public string? StoppedBecause { get; private set; }

    internal void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    internal void Abandon(string jobId)
    {
        lock (_lock)
            foreach (var (key, held) in _inHand)
                if (key.Job == jobId) held.Abandon.Cancel();
    }

    internal ShardAttempt[] Holds(string jobId)
    {
        lock (_lock) return [.. _inHand.Where(h => h.Key.Job == jobId).Select(h => new ShardAttempt(h.Key.Index, h.Value.Attempt))];
    }

    public WorkerInfo Info()
    {
        int inHand;
        lock (_lock) inHand = _inHand.Count;
        return new WorkerInfo(Id, _services.SiloName, _executor.Device, _executor.DeviceKind, _executor.GpuName, _executor.GpuMemoryBytes,
            [.. _executor.LoadedModels], Interlocked.Read(ref _documents), Interlocked.Read(ref _tokens), inHand);
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        var finishing = Task.CompletedTask; // the previous shard: off the device, writing and committing
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                ShardLease? lease;
                try
                {
                    lease = await FindWorkAsync();
                }
                catch (Exception e) when (IsClusterTrouble(e) && !stopping.IsCancellationRequested)
                {
                    _log.LogWarning("worker {Worker}: asking for work failed ({Message}); retrying", Id, e.Message);
                    lease = null;
                }
                if (lease is null)
                {
                    await IdleAsync(stopping);
                    continue;
                }
                var offDevice = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var run = RunShardAsync(lease, stopping, offDevice);
                await Task.WhenAny(offDevice.Task, run);
                await finishing;
                finishing = run;
                if (StopForFailures()) break;
            }
        }
        finally
        {
            await finishing;
        }
    }

    private async Task IdleAsync(CancellationToken stopping)
    {
        try
        {
            await _wake.WaitAsync(_services.IdleCheck, stopping);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The running jobs this device can serve, those of a loaded model first, then oldest first; the first offer wins.</summary>
    private async Task<ShardLease?> FindWorkAsync()
    {
        var info = Info();
        var jobs = await _grains.GetGrain<IJobDirectoryGrain>(0).Running(info);
        var loaded = _executor.LoadedModels;
        foreach (var job in jobs.OrderByDescending(j => loaded.Contains(j.ModelId)))
        {
            if (job.RequiredDeviceKind is { } kind && !string.Equals(kind, info.DeviceKind, StringComparison.OrdinalIgnoreCase)) continue;
            if (job.MinGpuMemoryBytes is { } memory && memory > info.GpuMemoryBytes) continue;
            if (await _grains.GetGrain<IJobGrain>(job.Id).Offer(info) is { } lease) return lease;
        }
        return null;
    }

    private bool StopForFailures()
    {
        lock (_lock)
        {
            if (_consecutiveFailures < _services.MaxConsecutiveFailures) return false;
            StoppedBecause = $"{_consecutiveFailures} shards in a row failed on {Device} (worker {Id}); the last: {_lastFailure}";
        }
        _log.LogError("worker {Worker}: stopping: {Reason}", Id, StoppedBecause);
        return true;
    }

    private async Task RunShardAsync(ShardLease lease, CancellationToken stopping, TaskCompletionSource offDevice)
    {
        using var abandon = new CancellationTokenSource();
        using var work = CancellationTokenSource.CreateLinkedTokenSource(stopping, abandon.Token);
        var key = (lease.JobId, lease.Index);
        lock (_lock) _inHand[key] = (lease.Attempt, abandon);
        var job = _grains.GetGrain<IJobGrain>(lease.JobId);
        try
        {
            var spec = SpecOf(lease);
            _log.LogInformation("worker {Worker}: job {Job} shard {Index} attempt {Attempt}", Id, lease.JobId, lease.Index, lease.Attempt);
            var outcome = await _executor.RunAsync(lease.JobId, spec, lease.Index, lease.Attempt, lease.ShardSpecJson, () => offDevice.TrySetResult(), work.Token);
            var result = new ShardResult(lease.JobId, lease.Index, lease.Attempt, Id, outcome.OutputKey, outcome.Rows, outcome.Bytes, outcome.Sha256,
                outcome.Errors, outcome.Tokens, outcome.EmptyTexts);
            var committed = await UntilAnswered(() => job.Commit(result), stopping);
            lock (_lock) _consecutiveFailures = 0;
            if (committed)
            {
                Interlocked.Add(ref _documents, outcome.Rows);
                Interlocked.Add(ref _tokens, outcome.Tokens);
                _services.Progress.ShardDone();
            }
            else
            {
                _log.LogWarning("worker {Worker}: commit of job {Job} shard {Index} attempt {Attempt} refused (fenced out); its object {Key} is left for removal",
                    Id, lease.JobId, lease.Index, lease.Attempt, outcome.OutputKey);
            }
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            _log.LogWarning("worker {Worker}: job {Job} shard {Index} attempt {Attempt} abandoned (the job ended)", Id, lease.JobId, lease.Index, lease.Attempt);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !_releaseOnStop())
        {
            // A crash-like stop: left for membership to take back when this silo is declared dead.
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            try
            {
                await job.Release(Id, lease.Index, lease.Attempt).WaitAsync(TimeSpan.FromSeconds(10));
                _log.LogInformation("worker {Worker}: released job {Job} shard {Index} on shutdown", Id, lease.JobId, lease.Index);
            }
            catch (Exception e) when (IsClusterTrouble(e))
            {
                // Taken back when this silo is declared dead.
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var reason = e is ClusteringException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            lock (_lock)
            {
                _consecutiveFailures++;
                _lastFailure = reason;
            }
            _log.LogError("worker {Worker}: job {Job} shard {Index} attempt {Attempt} failed: {Reason}", Id, lease.JobId, lease.Index, lease.Attempt, reason);
            try
            {
                // Counted as the job grain decided: a retry, a shard failed for good, or nothing (fenced out: another
                // attempt holds the shard, and its outcome is counted where it runs).
                switch (await UntilAnswered(() => job.Fail(Id, lease.Index, lease.Attempt, reason), stopping))
                {
                    case FailedAttempt.Retrying:
                        _services.Progress.ShardRetried();
                        break;
                    case FailedAttempt.FailedForGood:
                        _services.Progress.ShardFailed();
                        break;
                }
            }
            catch (OperationCanceledException)
            {
                // Shutting down with the cluster away: the shard is taken back when this silo is declared dead.
            }
            catch (Exception report) when (report is not OutOfMemoryException)
            {
                // Never let a failed report end this worker's loop (its device would sit idle while the silo lives).
                _log.LogError("worker {Worker}: reporting the failure of job {Job} shard {Index} failed: {Message}", Id, lease.JobId, lease.Index, report.Message);
            }
        }
        finally
        {
            offDevice.TrySetResult();
            lock (_lock) _inHand.Remove(key);
        }
    }

    private JobSpec SpecOf(ShardLease lease)
    {
        lock (_lock)
        {
            if (_specs.TryGetValue(lease.JobId, out var known)) return known;
            if (_specs.Count >= 64) _specs.Clear(); // a long-lived silo serves many jobs; specs are cheap to parse again
            return _specs[lease.JobId] = JobSpec.FromJson(lease.JobSpecJson);
        }
    }

    /// <summary>
    /// Repeats a call while the cluster cannot answer it (the job grain's silo died and it is reactivating elsewhere,
    /// the store restarts). The calls are fenced and idempotent, so repeating them is safe.
    /// </summary>
    private async Task<T> UntilAnswered<T>(Func<Task<T>> call, CancellationToken stopping)
    {
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (IsClusterTrouble(e))
            {
                _log.LogWarning("worker {Worker}: {Message}; retrying", Id, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stopping);
            }
        }
    }

    /// <summary>Failures of the cluster, not of the work: retried. Store outages reach us as grain call exceptions too.</summary>
    internal static bool IsClusterTrouble(Exception e) =>
        e is OrleansException or TimeoutException or Coordination.ClusterStoreUnavailableException or Orleans.Serialization.SerializerException
        || e.GetBaseException() is Coordination.ClusterStoreUnavailableException;
}
