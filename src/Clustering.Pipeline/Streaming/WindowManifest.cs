namespace Clustering.Pipeline.Streaming;

/// <summary>
/// A committed window, written create-if-absent as <c>window=&lt;start&gt;/_manifest.json</c>: creating it is the
/// commit. It names the part file and the journal range it was made from, so a replay after a crash recognises a
/// window already committed and writes nothing again. Written, read and created like a job's manifest (<see cref="ManifestObject"/>).
/// </summary>
public sealed record WindowManifest
{
    public required string Job { get; init; }
    public required long Window { get; init; }
    public required string Start { get; init; }
    public required string Part { get; init; }
    public required long Rows { get; init; }
    public required long Documents { get; init; }
    public required long Tombstones { get; init; }
    public required long Errors { get; init; }
    public string? ErrorsFile { get; init; }
    public required long Events { get; init; }
    public required long Bytes { get; init; }
    public required string Sha256 { get; init; }
    public required long JournalFrom { get; init; }
    public required long JournalTo { get; init; }
    public required string Model { get; init; }
    public required int Dimensions { get; init; }

    /// <summary>When the window's first event was received: publish-to-commit latency is measured from here.</summary>
    public required DateTimeOffset FirstReceivedAt { get; init; }
    public required DateTimeOffset CommittedAt { get; init; }

    public byte[] ToJson() => ManifestObject.ToUtf8(this);

    public static WindowManifest FromJson(ReadOnlySpan<byte> json) => ManifestObject.Parse<WindowManifest>(json, "window manifest");
}
