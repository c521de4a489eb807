namespace Clustering.Cluster;

/// <summary>
/// The cluster's list of running jobs and of the workers that ask for work (one grain, key 0). It is rebuilt from the
/// store when it activates (on any silo, after its silo died), and workers re-introduce themselves with every
/// request, so it holds nothing that is not recoverable. Job grains tell it when they start and end; it wakes idle
/// workers when a job has work.
/// </summary>
[Alias("clustering.job-directory")]
public interface IJobDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>The running jobs, oldest first; records <paramref name="asker"/> as a living worker.</summary>
    [Alias("running")]
    Task<RunningJob[]> Running(WorkerInfo asker);

    [Alias("job-running")]
    Task JobRunning(RunningJob job);

    [Alias("job-ended")]
    Task JobEnded(string jobId);

    /// <summary>Idle workers ask again now: a job has shards due (planned, released, back from a dead silo).</summary>
    [Alias("wake")]
    Task WakeWorkers();

    /// <summary>The workers of silos that are alive in the cluster, as they last introduced themselves.</summary>
    [Alias("workers")]
    Task<KnownWorker[]> Workers();
}
