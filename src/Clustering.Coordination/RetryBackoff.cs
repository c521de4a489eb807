namespace Clustering.Coordination;

/// <summary>
/// Exponential backoff with "equal jitter" for failed shards: the n-th failure (n = 1, 2...) waits
/// min(cap, base · 2^(n-1)) · u with u uniform in [0.5, 1]. Half the delay is kept so retries never bunch at zero;
/// the other half spreads workers that failed together. The stores compute the delay in SQL from the shard's
/// failure count and take u from <see cref="NextJitter"/>.
/// </summary>
public sealed class RetryBackoff
{
    private readonly Random _random;

    public RetryBackoff(TimeSpan baseDelay, TimeSpan maxDelay, Random? random = null)
    {
        if (baseDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(baseDelay), "backoff base must not be negative");
        if (maxDelay < baseDelay) throw new ArgumentOutOfRangeException(nameof(maxDelay), "backoff cap must be at least the base");
        BaseDelay = baseDelay;
        MaxDelay = maxDelay;
        _random = random ?? Random.Shared;
    }

    /// <summary>10 s doubling up to 10 min: a flaky input gets a few quick retries, a broken dependency is not hammered.</summary>
    public static RetryBackoff Default => new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10));

    public TimeSpan BaseDelay { get; }
    public TimeSpan MaxDelay { get; }

    /// <summary>The jitter factor u in [0.5, 1] for the next failure.</summary>
    public double NextJitter() => 0.5 + 0.5 * _random.NextDouble();

    /// <summary>The delay before retrying after the <paramref name="failure"/>-th failure with jitter <paramref name="jitter"/> (the reference the SQL follows).</summary>
    public TimeSpan Delay(int failure, double jitter)
    {
        var exponent = Math.Clamp(failure - 1, 0, 30);
        var ms = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(Math.Floor(ms * jitter));
    }
}
