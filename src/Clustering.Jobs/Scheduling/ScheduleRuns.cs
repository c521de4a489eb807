using System.Globalization;
using Clustering.Storage;

namespace Clustering.Jobs.Scheduling;

/// <summary>
/// Where a scheduled run writes: a subfolder of the schedule's output named by the occurrence it ran for
/// (<c>20261122T060000Z</c>: sortable, one per occurrence), so runs never overwrite each other and the newest that
/// succeeded is named by <c>_latest.json</c> in the schedule's output.
/// </summary>
public static class ScheduleRuns
{
    public const string LatestKey = "_latest.json";

    /// <summary>Whether a folder name is a run's (what retention may delete: nothing else in the output is touched).</summary>
    public static bool IsRunName(ReadOnlySpan<char> name) =>
        name.Length == 16 && name[8] == 'T' && name[15] == 'Z' && !name[..8].ContainsAnyExceptInRange('0', '9') && !name[9..15].ContainsAnyExceptInRange('0', '9');

    public static string RunName(DateTimeOffset occurrence) =>
        occurrence.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// <paramref name="output"/> with <paramref name="name"/> appended as a folder: a local path, or a blob URI whose
    /// query (a SAS) stays at the end.
    /// </summary>
    public static string Child(string output, string name) => LocationResolver.Child(output, name);

    /// <summary>The run folder's name from a run's output (the inverse of <see cref="Child"/>): its last segment, before any query.</summary>
    public static string RunOf(string output)
    {
        var path = output.Split('?')[0].TrimEnd('/', Path.DirectorySeparatorChar);
        return path[(path.LastIndexOfAny(['/', Path.DirectorySeparatorChar]) + 1)..];
    }

    /// <summary>
    /// Deletes the run folders older than the newest <paramref name="keep"/> successful runs (those with _SUCCESS); runs
    /// newer than that, finished or not, stay. Returns the folders deleted.
    /// </summary>
    public static async Task<IReadOnlyList<string>> PruneAsync(IBlobStore output, int keep, CancellationToken ct)
    {
        if (keep <= 0) return [];
        var runs = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var succeeded = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in output.ListAsync("", ct).ConfigureAwait(false))
        {
            var slash = item.Key.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || !IsRunName(item.Key.AsSpan(0, slash))) continue;
            var run = item.Key[..slash];
            if (!runs.TryGetValue(run, out var keys)) runs[run] = keys = [];
            keys.Add(item.Key);
            if (item.Key.AsSpan(slash + 1).SequenceEqual(OutputLayout.Success)) succeeded.Add(run);
        }
        var kept = runs.Keys.Where(succeeded.Contains).Reverse().Take(keep).ToList();
        if (kept.Count < keep) return [];
        var oldestKept = kept[^1];
        var deleted = new List<string>();
        foreach (var (run, keys) in runs)
        {
            if (string.CompareOrdinal(run, oldestKept) >= 0) break;
            // _SUCCESS first: a half-deleted run must not look complete to a reader.
            foreach (var key in keys.OrderBy(k => k.EndsWith("/" + OutputLayout.Success, StringComparison.Ordinal) ? 0 : 1))
                await output.DeleteAsync(key, ct).ConfigureAwait(false);
            deleted.Add(run);
        }
        return deleted;
    }
}
