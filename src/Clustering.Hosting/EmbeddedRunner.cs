using System.Security.Cryptography;
using System.Text;
using Clustering.Cluster;
using Clustering.Coordination;
using Clustering.Corpus;
using Clustering.Jobs;
using Clustering.Pipeline;
using Clustering.Storage;
using Clustering.Storage.Azure;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Clustering.Hosting;

/// <summary>
/// `embedctl run`: the cluster with one in-process silo (<see cref="EmbeddedSilo"/>): the same job grain and device
/// workers as embed-silo, with localhost clustering. The store is a SQLite file in a local state folder: the
/// output's `_state/` for a local output, a folder under ~/.cache for a blob output (<see cref="OutputPlacement.DefaultStateFolder"/>),
/// or the one given. The job id is a hash of the spec, so the same command finds its job again and resumes: finished
/// shards stay finished, shards that a killed run held are released at once (this process holds the state folder's
/// lock, so their owner is gone), and the rest is done by the job grain and the device workers. Inputs and
/// output may be local or in blob storage (<see cref="LocationResolver"/>).
/// </summary>
public sealed class EmbeddedRunner
{
    private readonly ILoggerFactory _logs;
    private readonly ILogger _log;
    private readonly LocationResolver _locations;

    // Workers are woken when a job has work; this is only how soon an idle one asks again on its own (a retried
    // shard's backoff ending). In one process asking is cheap.
    private static readonly TimeSpan IdleCheck = TimeSpan.FromMilliseconds(250);

    // How often the wait for the job's end looks whether any worker is left.
    private static readonly TimeSpan EndCheck = TimeSpan.FromSeconds(1);

    /// <param name="storage">How blob URIs are opened; null: credentials from the environment, store warnings logged.</param>
    public EmbeddedRunner(ILoggerFactory logs, StorageOptions? storage = null)
    {
        _logs = logs;
        _log = logs.CreateLogger("embedctl");
        _locations = new LocationResolver(storage ?? LoggedStorageOptions(logs.CreateLogger("storage")));
    }

    /// <summary>Default storage options whose retries and failures go to <paramref name="log"/> (already free of secrets).</summary>
    public static StorageOptions LoggedStorageOptions(ILogger log) => new()
    {
        Events = e =>
        {
            // Errors end as the exception the caller reports; logging them too would print each failure twice.
            if (e.Level == BlobStoreEventLevel.Warning) log.LogWarning("{Message}", e.Message);
            else log.LogDebug("{Message}", e.Message);
        },
    };

    /// <summary>The state folder a run of <paramref name="spec"/> uses when none is given.</summary>
    public string DefaultStateFolder(JobSpec spec)
    {
        try
        {
            return OutputPlacement.DefaultStateFolder(_locations.OpenFolder(Normalize(spec).Output));
        }
        catch (ClusteringException e)
        {
            throw new JobRefusedException(e); // an --output that cannot be one
        }
    }

    /// <param name="stateFolder">Where the SQLite store and the lock live; null: <see cref="DefaultStateFolder"/>.</param>
    public async Task<EmbeddedResult> RunAsync(JobSpec spec, int workers, JobProgress progress, CancellationToken cancellationToken, string? stateFolder = null)
    {
        spec = Normalize(spec);
        spec.Validate();
        IBlobStore output;
        try
        {
            output = _locations.OpenFolder(spec.Output);
        }
        catch (ClusteringException e)
        {
            throw new JobRefusedException(e);
        }
        stateFolder = Path.GetFullPath(stateFolder ?? OutputPlacement.DefaultStateFolder(output));
        Directory.CreateDirectory(stateFolder);
        using var runLock = AcquireLock(stateFolder);
        var jobId = JobIdOf(spec);
        EmbeddingDescription description;
        try
        {
            OutputPlacement.CheckApart(spec);
            description = ModelFolderCheck.Check(spec);
        }
        catch (ClusteringException e)
        {
            throw new JobRefusedException(e);
        }

        await using var store = await ClusterStores.OpenAsync("sqlite:" + Path.Combine(stateFolder, "jobs.db"), new ClusterStoreOptions
        {
            Backoff = new RetryBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)),
        }, cancellationToken).ConfigureAwait(false);
        var inputs = new InputStores(_locations);
        var shownOutput = SecretRedactor.Redact(spec.Output);

        // Reading the output first refuses a wrong key or a missing container before any work, once, by name.
        var published = await JobPublisher.ReadManifestAsync(output, cancellationToken).ConfigureAwait(false);
        var job = await store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            foreach (var other in await store.ListJobsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
                throw new ClusteringException($"--output {shownOutput}: holds job {other.Id}, made with other options " +
                    $"(state in {stateFolder}); use another --output (or delete this one and its state) to start a new job");
            if (published is not null && published.JobId == jobId && !await LostOutputRecovery.PublishedIsWholeAsync(output, published, _log, cancellationToken).ConfigureAwait(false))
                published = null;
            if (published is not null)
            {
                // Finished by a run whose state is not here (another machine, a cleared cache): nothing to redo.
                if (published.JobId != jobId)
                    throw new ClusteringException($"--output {shownOutput}: holds job {published.JobId}, made with other options; " +
                        "use another --output to start a new job");
                _log.LogInformation("job {Job} was already published in {Output}", jobId, shownOutput);
                await JobPublisher.FinishAsync(output, published, cancellationToken).ConfigureAwait(false);
                return new EmbeddedResult(jobId, StateNames.ParseJobState(published.Status), published, []);
            }
        }
        else
        {
            await ReleaseOrphanedLeasesAsync(store, jobId, cancellationToken).ConfigureAwait(false);
            job = await LostOutputRecovery.RedoLostShardsAsync(store, job, spec, output, _log, cancellationToken).ConfigureAwait(false);
        }

        var executors = CreateExecutors(spec, workers, inputs, output, progress);
        Task[] preloading = [];
        Task<EmbeddedSilo>? starting = null;
        try
        {
            if (!(job?.State.IsFinal() ?? false))
            {
                // The silo starts, and the workers load the model, while the corpus is read for the plan: each takes a
                // second or more, none needs the others.
                preloading = executors.Select(e => Task.Run(() => PreloadAsync(e, spec), CancellationToken.None)).ToArray();
                var services = new ClusterServices
                {
                    Store = store,
                    Inputs = inputs,
                    Outputs = _ => output,
                    Devices = executors,
                    Progress = progress,
                    SiloName = $"embedctl-{Environment.ProcessId}",
                    // One process: a lease whose owner is gone is this process's own from before a kill, not a shard that killed a silo.
                    DeadOwnerCountsAsFailure = false,
                    IdleCheck = IdleCheck,
                };
                // Building the host is most of a second of synchronous work in a cold process (Orleans' services, JIT): off this thread.
                starting = Task.Run(() => EmbeddedSilo.StartAsync(services, _logs, cancellationToken), CancellationToken.None);
            }
            if (job is null)
            {
                _log.LogInformation("planning {Inputs}", SecretRedactor.Redact(string.Join(' ', spec.Inputs)));
                ShardPlan plan;
                try
                {
                    plan = await new JobPlanner(inputs).PlanAsync(spec, cancellationToken).ConfigureAwait(false);
                }
                catch (ClusteringException e)
                {
                    throw new JobRefusedException(e); // nothing was done yet: a missing or unusable input is refused
                }
                await store.CreateJobAsync(new NewJob(jobId, spec.ToJson(), ModelCache.ModelKeyOf(spec), spec.Output, spec.MaxAttempts, spec.AllowedFailedShards),
                    JobPlanner.ShardsOf(plan), cancellationToken).ConfigureAwait(false);
                job = await store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false) ?? throw new ClusteringException($"job {jobId} was not created");
            }

            var shards = await store.ListShardsAsync(jobId, cancellationToken).ConfigureAwait(false);
            var plannedDocuments = shards.Sum(s => PlannedDocuments(s.SpecJson));
            var doneShards = shards.Where(s => s.State == ShardState.Done).ToArray();
            progress.SetPlan(plannedDocuments, shards.Count, doneShards.Sum(s => PlannedDocuments(s.SpecJson)), doneShards.Length);

            if (starting is not null)
            {
                await Task.WhenAll(preloading).ConfigureAwait(false);
                await using var silo = await starting.ConfigureAwait(false);
                starting = null;
                await RunToEndAsync(silo, jobId, cancellationToken).ConfigureAwait(false);
                job = await store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false) ?? job;
            }

            // The job grain publishes; doing it again here is a no-op that also covers a run killed between the two.
            shards = await store.ListShardsAsync(jobId, cancellationToken).ConfigureAwait(false);
            var manifest = await JobPublisher.PublishAsync(job, spec, shards, output, description, cancellationToken).ConfigureAwait(false);
            // The manifest's status is the last word: a job over its bad-record budget is failed there.
            return new EmbeddedResult(job.Id, StateNames.ParseJobState(manifest.Status), manifest, shards.Where(s => s.State == ShardState.Failed).ToArray());
        }
        finally
        {
            // A silo still starting when planning failed is stopped; models are unloaded only once their preloads are over.
            if (starting is not null)
            {
                try
                {
                    await (await starting.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or OrleansException)
                {
                    _log.LogDebug("the silo did not start: {Error}", e.Message);
                }
            }
            await Task.WhenAll(preloading).ConfigureAwait(false);
            foreach (var executor in executors) executor.Dispose();
        }
    }

    /// <summary>
    /// Starts the job's grain and waits for it to end and be published. A worker that stopped (its device kept
    /// failing) or crashed is one device less; the others go on. Only when none is left is the run over.
    /// </summary>
    private static async Task RunToEndAsync(EmbeddedSilo silo, string jobId, CancellationToken cancellationToken)
    {
        var job = silo.Grains.GetGrain<IJobGrain>(jobId);
        await job.Start().WaitAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var state = await job.WaitForEnd(EndCheck).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (state is "succeeded" or "failed" or "cancelled") return;
            if (silo.Devices.AllStopped)
                throw new ClusteringException("every worker stopped before the job ended: " + silo.Devices.StopReasons);
        }
    }

    /// <summary>One worker per device of the spec (every visible GPU for `cuda`, `workers` for the CPU).</summary>
    private static List<ModelShardExecutor> CreateExecutors(JobSpec spec, int workers, InputStores inputs, IBlobStore output, JobProgress progress)
    {
        var devices = EngineFactory.WorkerDevices(spec.Embed.Device, workers);
        // CPU workers share the cores; a GPU worker's host thread needs none of them.
        var cpuWorkers = devices.Count(d => d.Kind == "cpu");
        var threads = spec.Embed.Threads > 0 ? spec.Embed.Threads : cpuWorkers > 0 ? Math.Max(1, Environment.ProcessorCount / cpuWorkers) : 0;
        return devices.Select(device => new ModelShardExecutor(device, threads, inputs, _ => output, progress)).ToList();
    }

    /// <summary>
    /// A model that fails to load here fails the same way when the worker's first shard loads it, and is reported
    /// there, with the shard; here it is only noted.
    /// </summary>
    private async Task PreloadAsync(ModelShardExecutor executor, JobSpec spec)
    {
        try
        {
            await executor.PreloadAsync(spec).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _log.LogDebug("worker on {Device}: the model did not load ahead of the plan: {Error}", executor.Device, e.Message);
        }
    }

    private async Task ReleaseOrphanedLeasesAsync(IClusterStore store, string jobId, CancellationToken cancellationToken)
    {
        foreach (var shard in await store.ListShardsAsync(jobId, cancellationToken).ConfigureAwait(false))
            if (shard.State == ShardState.Leased && shard.Owner is { } owner)
                if (await store.ReleaseShardAsync(shard.Key, shard.Attempt, owner, cancellationToken).ConfigureAwait(false))
                    _log.LogInformation("resuming: shard {Shard} (attempt {Attempt}) of an interrupted run released", shard.Index, shard.Attempt);
    }

    private static long PlannedDocuments(string shardSpec) => JobPlanner.ReadShardSpec(shardSpec).Documents;

    /// <summary>Local inputs, model and output as absolute paths, so the same job is found from any working folder.</summary>
    private static JobSpec Normalize(JobSpec spec) => spec with
    {
        Inputs = spec.Inputs.Select(LocationResolver.Absolute).ToArray(),
        Model = Path.GetFullPath(spec.Model),
        Output = LocationResolver.Absolute(spec.Output),
    };

    /// <summary>The job's identity: everything that changes what it writes. Threads and worker counts do not.</summary>
    public static string JobIdOf(JobSpec spec)
    {
        var identity = spec with { Embed = spec.Embed with { Threads = 0 } };
        return "job-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToJson())))[..16];
    }

    private static FileStream AcquireLock(string stateFolder)
    {
        var path = Path.Combine(stateFolder, "run.lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
        }
        catch (IOException)
        {
            throw new ClusteringException($"{stateFolder}: another embedctl run is using this state folder (the same output)");
        }
    }
}

/// <summary>How an embedded run ended.</summary>
public sealed record EmbeddedResult(string JobId, JobState State, JobManifest Manifest, IReadOnlyList<ShardRecord> FailedShards);
