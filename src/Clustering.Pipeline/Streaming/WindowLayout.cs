namespace Clustering.Pipeline.Streaming;

/// <summary>
/// Object names in a stream job's output: one folder per window, <c>window=&lt;start&gt;/</c> holding
/// <c>part-NNNNNNNN.parquet</c> (NNNNNNNN the window's number), <c>_manifest.json</c> (the commit: created only if
/// absent) and <c>_errors/part-NNNNNNNN.jsonl</c>; <c>_latest.json</c> names the newest committed window; the job's own
/// state (checkpoint, journal of received events) lives under <c>_stream/</c>.
/// </summary>
public static class WindowLayout
{
    public const string Latest = "_latest.json";
    public const string StateFolder = "_stream/";
    public const string Checkpoint = StateFolder + "checkpoint.json";
    public const string JournalFolder = StateFolder + "journal/";

    /// <summary>The start of a window as its folder names it: UTC, sortable, no characters a file system refuses.</summary>
    public static string StartOf(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static string Folder(string start) => $"window={start}/";

    public static string PartKey(string start, long window) => $"{Folder(start)}part-{window:D8}.parquet";

    public static string ErrorsKey(string start, long window) => $"{Folder(start)}_errors/part-{window:D8}.jsonl";

    public static string ManifestKey(string start) => $"{Folder(start)}_manifest.json";

    public static string JournalKey(long sequence) => $"{JournalFolder}{sequence:D12}.json";

    /// <summary>The sequence number of a journal object's key, or -1 for another key.</summary>
    public static long JournalSequence(string key) =>
        key.StartsWith(JournalFolder, StringComparison.Ordinal) && key.EndsWith(".json", StringComparison.Ordinal)
        && long.TryParse(key.AsSpan(JournalFolder.Length, key.Length - JournalFolder.Length - ".json".Length), out var n) ? n : -1;
}
