namespace Clustering.Hosting;

/// <summary>How a worker leases: lease length, how often it renews, how long it naps when there is no work.</summary>
public sealed record WorkerOptions
{
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Renew at this fraction of the lease, so two missed renewals still leave time.</summary>
    public TimeSpan RenewEvery => LeaseDuration / 3;

    public TimeSpan IdlePoll { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Engine threads (0: the cores divided among this host's workers).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Shards in a row that may fail on this worker before it stops: a device that keeps throwing (a GPU gone bad)
    /// takes down its worker, whose shards go back to the others, not the process. A success resets the count.
    /// </summary>
    public int MaxConsecutiveFailures { get; init; } = 3;

    /// <summary>Local folder for parts being written before upload.</summary>
    public string? TempFolder { get; init; }
}
