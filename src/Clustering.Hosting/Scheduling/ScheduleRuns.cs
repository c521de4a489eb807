using System.Globalization;

namespace Clustering.Hosting.Scheduling;

/// <summary>
/// Where a scheduled run writes: a subfolder of the schedule's output named by the occurrence it ran for
/// (<c>20261122T060000Z</c>: sortable, one per occurrence), so runs never overwrite each other and the newest that
/// succeeded is named by <c>_latest.json</c> in the schedule's output.
/// </summary>
public static class ScheduleRuns
{
    public const string LatestKey = "_latest.json";

    public static string RunName(DateTimeOffset occurrence) =>
        occurrence.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// <paramref name="output"/> with <paramref name="name"/> appended as a folder: a local path, or a blob URI whose
    /// query (a SAS) stays at the end.
    /// </summary>
    public static string Child(string output, string name)
    {
        if (!output.Contains("://", StringComparison.Ordinal)) return Path.Combine(output, name);
        var query = output.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? output : output[..query];
        var rest = query < 0 ? "" : output[query..];
        return path.TrimEnd('/') + "/" + name + rest;
    }
}
