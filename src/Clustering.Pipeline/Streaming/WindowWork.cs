namespace Clustering.Pipeline.Streaming;

/// <summary>
/// One sealed window to embed and commit: its number and start (fixed when it was sealed, so a replay names the same
/// objects), the journal range it covers and the events read from it, in the order they were received.
/// </summary>
public sealed record WindowWork(
    string Job,
    JobSpec Spec,
    long Window,
    string Start,
    long JournalFrom,
    long JournalTo,
    IReadOnlyList<JournaledEvent> Events,
    DateTimeOffset FirstReceivedAt);

/// <summary>An event as the journal keeps it: raw text and where the source said it came from.</summary>
public readonly record struct JournaledEvent(string Text, string Position);
