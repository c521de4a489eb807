namespace Clustering.Cluster.Streaming;

/// <summary>
/// A stream job's durable progress (<c>_stream/checkpoint.json</c>, written only with the ETag it was read with, so a
/// stale activation cannot move it): journal objects up to <see cref="CommittedThrough"/> are in committed windows;
/// <see cref="Sealed"/> is the window being committed, fixed before any of it is written so a replay makes the same one.
/// </summary>
internal sealed record StreamCheckpoint
{
    public long NextWindow { get; init; }
    public long CommittedThrough { get; init; } = -1;
    public long CommittedWindows { get; init; }
    public long CommittedEvents { get; init; }
    public long CommittedErrors { get; init; }
    public string? LatestWindow { get; init; }

    /// <summary>The start of the newest committed window: a new window starts after it, so window folders sort in commit order.</summary>
    public DateTimeOffset? LatestStartTime { get; init; }
    public bool Paused { get; init; }
    public SealedWindow? Sealed { get; init; }
}

/// <summary>A window whose contents are decided (journal objects <see cref="From"/>..<see cref="To"/>) but not yet committed.</summary>
internal sealed record SealedWindow(long Window, string Start, DateTimeOffset StartTime, long From, long To, DateTimeOffset FirstReceivedAt);

/// <summary>One journal object: the events of one delivery, when they arrived. <see cref="Events"/> is null once dropped from memory.</summary>
internal sealed record JournalEntry(long Sequence, DateTimeOffset ReceivedAt, int Count)
{
    public JournaledEvents? Events { get; set; }
}

internal sealed record JournaledEvents(string[] Texts, string[] Positions);
