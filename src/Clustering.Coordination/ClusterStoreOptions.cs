namespace Clustering.Coordination;

/// <summary>What both stores take besides the address: the clock every "now" comes from and the retry backoff.</summary>
public sealed class ClusterStoreOptions
{
    /// <summary>The clock; tests pass one they move by hand.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Backoff for failed and expired shard attempts.</summary>
    public RetryBackoff Backoff { get; init; } = RetryBackoff.Default;

    /// <summary>Now, to the millisecond (what both stores can keep exactly).</summary>
    public DateTimeOffset Now()
    {
        var t = Clock.GetUtcNow();
        return new DateTimeOffset(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
    }
}
