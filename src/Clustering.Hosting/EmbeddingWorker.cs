using Clustering.Coordination;
using Clustering.Corpus;
using Clustering.Inference;
using Clustering.Pipeline;
using Clustering.Storage;
using Microsoft.Extensions.Logging;

namespace Clustering.Hosting;

/// <summary>
/// One device's worker: leases a shard, runs it through the <see cref="ShardProcessor"/>, commits it fenced, repeats.
/// While a shard runs, a renewal loop extends its lease; when the store says the lease is lost, the shard is
/// abandoned at once (its half-written object is garbage the publisher removes). On shutdown the shard in hand is
/// released, not failed, so another worker picks it up without waiting for the lease to expire.
/// The next shard is leased as soon as the current one has left the device: its reading and tokenizing overlap the
/// current one's Parquet tail, upload and commit, so the device does not idle between shards. At most two shards
/// are in hand, and only one of them on the device.
/// </summary>
public sealed class EmbeddingWorker : IAsyncDisposable
{
    private readonly IClusterStore _store;
    private readonly WorkerRegistration _registration;
    private readonly WorkerOptions _options;
    private readonly InputStores _inputs;
    private readonly Func<string, IBlobStore> _outputs;
    private readonly JobProgress _progress;
    private readonly ILogger _log;
    private readonly ModelCache _models;
    // Specs of the jobs this worker has served, so a shard of a known job needs no store call before it runs
    // (a worker cut off from the store keeps working until its fenced commit). Owned by the worker's loop.
    private readonly Dictionary<string, JobSpec> _specs = new(StringComparer.Ordinal);
    // The tally of finished shards: a shard's tail and the next shard's failure may update it at the same time.
    private readonly Lock _tally = new();
    private long _documents;
    private long _tokens;
    private int _consecutiveFailures;
    private string? _lastFailure;

    public EmbeddingWorker(IClusterStore store, string workerId, string siloName, WorkerDevice device, WorkerOptions options, InputStores inputs,
        Func<string, IBlobStore> outputs, JobProgress progress, ILogger log)
    {
        var registration = new WorkerRegistration(workerId, siloName, device.Kind, device.GpuName, device.GpuMemoryBytes, []);
        _store = store;
        _registration = registration;
        _options = options;
        _inputs = inputs;
        _outputs = outputs;
        _progress = progress;
        _log = log;
        _models = new ModelCache(device.Device, options.Threads, Gate);
        Device = device.Device;
    }

    public string Id => _registration.Id;

    /// <summary>
    /// The device's gate: the worker's shard passes go through it at batch priority, the online models a silo loads
    /// on this device at online priority, so queries go first and shards fill the rest.
    /// </summary>
    public DeviceGate Gate { get; } = new();

    /// <summary>Engine threads of this worker (0: all cores), for models loaded beside its own.</summary>
    public int Threads => _options.Threads;

    /// <summary>The device this worker runs on (cpu, cuda:N).</summary>
    public string Device { get; }

    /// <summary>Why this worker stopped on its own (its shards kept failing), or null while it works or after a normal stop.</summary>
    public string? StoppedBecause { get; private set; }

    /// <summary>
    /// Loads the model <paramref name="spec"/> needs before any shard is leased: an embedded run does it while the
    /// corpus is planned, so neither waits for the other. Call it before <see cref="RunAsync"/>, not during.
    /// </summary>
    public void Preload(JobSpec spec) => _models.Get(spec);

    /// <summary>Works until <paramref name="stopping"/> fires, or, when <paramref name="untilIdle"/> says so, until there is nothing left.</summary>
    public async Task RunAsync(CancellationToken stopping, Func<CancellationToken, Task<bool>>? untilIdle = null)
    {
        await _store.RegisterWorkerAsync(_registration, stopping).ConfigureAwait(false);
        var capabilities = new WorkerCapabilities(_registration.DeviceKind, _registration.GpuMemoryBytes);
        var finishing = Task.CompletedTask; // the previous shard: off the device, writing and committing
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                ShardRecord? shard;
                try
                {
                    shard = await _store.LeaseShardAsync(Id, capabilities, _models.Loaded, _options.LeaseDuration, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    break;
                }
                catch (ClusterStoreUnavailableException e)
                {
                    _log.LogWarning("worker {Worker}: store unavailable ({Message}); retrying", Id, e.Message);
                    await Nap(stopping).ConfigureAwait(false);
                    continue;
                }
                if (shard is null)
                {
                    if (untilIdle is not null && await untilIdle(stopping).ConfigureAwait(false)) break;
                    await Nap(stopping).ConfigureAwait(false);
                    continue;
                }
                var offDevice = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var run = RunShardAsync(shard, stopping, offDevice);
                await Task.WhenAny(offDevice.Task, run).ConfigureAwait(false);
                // Two shards in hand at most: the one before has committed before the next is leased.
                await finishing.ConfigureAwait(false);
                finishing = run;
                if (StopForFailures()) break;
            }
        }
        finally
        {
            await finishing.ConfigureAwait(false);
        }
    }

    /// <summary>After too many failed shards in a row the device is presumed broken: the worker stops, the others go on.</summary>
    private bool StopForFailures()
    {
        lock (_tally)
        {
            if (_consecutiveFailures < _options.MaxConsecutiveFailures) return false;
            StoppedBecause = $"{_consecutiveFailures} shards in a row failed on {Device} (worker {Id}); the last: {_lastFailure}";
        }
        _log.LogError("worker {Worker}: stopping: {Reason}", Id, StoppedBecause);
        return true;
    }

    private async Task Nap(CancellationToken stopping)
    {
        try
        {
            await Task.Delay(_options.IdlePoll, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <param name="offDevice">Set once the shard's last window is embedded (the model is free for the next shard).</param>
    private async Task RunShardAsync(ShardRecord shard, CancellationToken stopping, TaskCompletionSource offDevice)
    {
        using var lost = new CancellationTokenSource();
        using var work = CancellationTokenSource.CreateLinkedTokenSource(stopping, lost.Token);
        using var renewing = new CancellationTokenSource();
        var renewal = RenewAsync(shard, lost, renewing.Token);
        var key = shard.Key;
        try
        {
            var spec = await SpecOfAsync(shard.JobId, work.Token).ConfigureAwait(false);
            var model = _models.Get(spec);
            var context = new JobContext(shard.JobId, spec, _outputs(spec.Output));
            var processor = new ShardProcessor(model, _inputs, _progress, tempFolder: _options.TempFolder);
            _log.LogInformation("worker {Worker}: shard {Shard} attempt {Attempt}", Id, key, shard.Attempt);
            var outcome = await processor.ProcessAsync(context, shard.Index, shard.Attempt, JobPlanner.ReadShardSpec(shard.SpecJson), work.Token,
                deviceDone: () => offDevice.TrySetResult()).ConfigureAwait(false);
            await renewing.CancelAsync().ConfigureAwait(false);
            var completion = new ShardCompletion(key, shard.Attempt, Id, outcome.OutputKey, outcome.Rows, outcome.Bytes, outcome.Sha256, outcome.Errors, outcome.Tokens, outcome.EmptyTexts);
            var committed = await UntilStoreAnswers(() => _store.CompleteShardAsync(completion, CancellationToken.None), stopping).ConfigureAwait(false);
            long documents, tokens;
            lock (_tally)
            {
                _consecutiveFailures = 0;
                if (committed)
                {
                    _documents += outcome.Rows;
                    _tokens += outcome.Tokens;
                }
                (documents, tokens) = (_documents, _tokens);
            }
            if (committed)
            {
                _progress.ShardDone();
                await _store.HeartbeatAsync(Id, _models.Loaded, documents, tokens, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                _log.LogWarning("worker {Worker}: commit of shard {Shard} attempt {Attempt} refused (fenced out); its object {Key} is left for removal",
                    Id, key, shard.Attempt, outcome.OutputKey);
            }
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested)
        {
            _log.LogWarning("worker {Worker}: lease on shard {Shard} attempt {Attempt} lost; abandoned", Id, key, shard.Attempt);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await TryQuietly(() => _store.ReleaseShardAsync(key, shard.Attempt, Id, CancellationToken.None)).ConfigureAwait(false);
            _log.LogInformation("worker {Worker}: released shard {Shard} on shutdown", Id, key);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var reason = e is ClusteringException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            lock (_tally)
            {
                _consecutiveFailures++;
                _lastFailure = reason;
            }
            _log.LogError("worker {Worker}: shard {Shard} attempt {Attempt} failed: {Reason}", Id, key, shard.Attempt, reason);
            try
            {
                var after = await UntilStoreAnswers(() => _store.FailShardAsync(key, shard.Attempt, Id, reason, CancellationToken.None), stopping).ConfigureAwait(false);
                if (after?.State == ShardState.Failed) _progress.ShardFailed();
                else _progress.ShardRetried();
            }
            catch (OperationCanceledException)
            {
                // Shutting down with the store away: the lease expires and the shard is reclaimed.
            }
        }
        finally
        {
            await renewing.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
        }
    }

    private async Task<JobSpec> SpecOfAsync(string jobId, CancellationToken cancellationToken)
    {
        if (_specs.TryGetValue(jobId, out var known)) return known;
        var job = await _store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false)
            ?? throw new ClusteringException($"job {jobId} vanished from the store");
        if (_specs.Count >= 64) _specs.Clear(); // a long-lived silo serves many jobs; specs are cheap to fetch again
        return _specs[jobId] = JobSpec.FromJson(job.SpecJson);
    }

    /// <summary>
    /// Retries a store call while the store is unreachable (a partition, a database restart). The call is a fenced,
    /// idempotent write, so repeating it is safe; a lease lost meanwhile makes it answer "refused", not succeed.
    /// </summary>
    private async Task<T> UntilStoreAnswers<T>(Func<Task<T>> call, CancellationToken stopping)
    {
        while (true)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (ClusterStoreUnavailableException e)
            {
                _log.LogWarning("worker {Worker}: store unavailable ({Message}); retrying", Id, e.Message);
                await Task.Delay(_options.IdlePoll, stopping).ConfigureAwait(false);
            }
        }
    }

    private static async Task TryQuietly(Func<Task> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (ClusterStoreUnavailableException)
        {
            // The lease will expire and the coordinator reclaims the shard.
        }
    }

    /// <summary>Extends the lease every <see cref="WorkerOptions.RenewEvery"/>; signals <paramref name="lost"/> when the store refuses.</summary>
    private async Task RenewAsync(ShardRecord shard, CancellationTokenSource lost, CancellationToken done)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.RenewEvery, done).ConfigureAwait(false);
                bool held;
                try
                {
                    held = await _store.RenewLeaseAsync(shard.Key, shard.Attempt, Id, _options.LeaseDuration, done).ConfigureAwait(false);
                }
                catch (ClusterStoreUnavailableException e)
                {
                    // Keep working: the lease may still be valid; the fenced commit decides.
                    _log.LogWarning("worker {Worker}: could not renew shard {Shard} ({Message})", Id, shard.Key, e.Message);
                    continue;
                }
                if (!held)
                {
                    await lost.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _models.Dispose();
        try
        {
            await _store.RemoveWorkerAsync(Id, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ClusterStoreUnavailableException)
        {
            // The store is gone; its heartbeat will go stale instead.
        }
    }
}
