using Clustering.Coordination;

namespace Clustering.Jobs;

/// <summary>
/// Creates a cluster job pending with its spec, for the silo's API and for schedules alike; the coordinator plans it.
/// </summary>
public static class JobSubmitter
{
    /// <summary>A fresh job id: sortable by time, unique enough across silos (64 random bits).</summary>
    public static string NewJobId(DateTimeOffset now) =>
        $"job-{now.UtcDateTime:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}";

    /// <summary>Stores the job and its first event (<paramref name="kind"/>, <paramref name="message"/>).</summary>
    public static async Task SubmitAsync(IClusterStore store, string id, JobSpec spec, string kind, string message, CancellationToken ct)
    {
        // The model id is the full model path: workers report the same string as loaded, which is what model
        // affinity compares (Hosting's ModelCache.ModelKeyOf).
        var modelKey = spec.Model.Contains("://", StringComparison.Ordinal) ? spec.Model : Path.GetFullPath(spec.Model);
        var job = new NewJob(id, spec.ToJson(), modelKey, spec.Output, spec.MaxAttempts, spec.AllowedFailedShards);
        job.Validate();
        await store.CreateJobAsync(job, [], ct).ConfigureAwait(false);
        await store.AppendEventAsync(id, kind, message, ct).ConfigureAwait(false);
    }
}
