using System.Text.Json;
using Clustering.Pipeline.Tests;

namespace Clustering.Streaming.Tests;

/// <summary>What DuckDB (an independent reader) finds over all windows of a stream job's output, and the errors files.</summary>
internal static class StreamOutput
{
    public static string Parts(string output) => Path.Combine(output, "window=*", "part-*.parquet").Replace("'", "''");

    /// <summary>
    /// Asserts the output holds exactly what <paramref name="events"/> says: every good event once, the latest version of
    /// each id (by the producer's seq: a downstream upsert's order) as published, deletions as tombstones, bad events in _errors/.
    /// </summary>
    public static void AssertExactlyOnce(string output, DocumentEvents events)
    {
        var parts = Parts(output);
        var duplicates = DuckDb.Query($"SELECT id, seq, count(*) FROM read_parquet('{parts}') GROUP BY ALL HAVING count(*) > 1 LIMIT 5")[0];
        Assert.True(duplicates.Length == 0, "events written twice: " + string.Join("; ", duplicates.Select(r => string.Join(",", r))));
        Assert.Equal(events.Good, DuckDb.Scalar($"SELECT count(*) FROM read_parquet('{parts}')"));

        var latest = DuckDb.Query(
            $"SELECT id, v, deleted, n_tokens FROM (SELECT *, row_number() OVER (PARTITION BY id ORDER BY seq DESC) AS rn " +
            $"FROM read_parquet('{parts}', filename = true)) WHERE rn = 1 ORDER BY id")[0];
        var found = latest.ToDictionary(r => r[0].GetString()!, r => (Version: r[1].ValueKind == JsonValueKind.Null ? null : r[1].GetString(), Deleted: r[2].GetBoolean(), Tokens: r[3].GetInt32()));
        Assert.Equal(events.Latest.Count, found.Count);
        foreach (var (id, expected) in events.Latest)
        {
            Assert.True(found.TryGetValue(id, out var row), $"id {id} is in no window");
            Assert.Equal(expected, (row.Version, row.Deleted));
            Assert.True(row.Deleted ? row.Tokens == 0 : row.Tokens > 0, $"id {id}: n_tokens {row.Tokens}");
        }
        Assert.Equal(events.Deletions, found.Values.Count(r => r.Deleted));
        // Documents carry unit vectors (the model normalizes); tombstones zero vectors.
        Assert.Equal(0L, DuckDb.Scalar($"SELECT count(*) FROM read_parquet('{parts}') WHERE NOT deleted AND abs(list_sum(list_transform(embedding, x -> x * x)) - 1) > 1e-3"));
        Assert.Equal(0L, DuckDb.Scalar($"SELECT count(*) FROM read_parquet('{parts}') WHERE deleted AND list_sum(list_transform(embedding, x -> abs(x))) <> 0"));

        var errors = Errors(output);
        Assert.Equal(events.Bad.Order(StringComparer.Ordinal), errors.Select(e => e.Event).Order(StringComparer.Ordinal));
        Assert.All(errors, e => Assert.False(string.IsNullOrEmpty(e.Position)));
        Assert.All(errors, e => Assert.False(string.IsNullOrEmpty(e.Reason)));
    }

    public static List<(string Event, string Position, string Reason)> Errors(string output) =>
        [.. Directory.EnumerateFiles(output, "*.jsonl", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) == "_errors")
            .SelectMany(File.ReadLines)
            .Select(line =>
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                return (root.GetProperty("event").GetString()!, root.GetProperty("position").GetString()!, root.GetProperty("reason").GetString()!);
            })];

    /// <summary>The committed windows' manifests, in folder (= commit) order.</summary>
    public static List<JsonElement> Manifests(string output) =>
        [.. Directory.EnumerateDirectories(output, "window=*").Order(StringComparer.Ordinal)
            .Select(d => JsonDocument.Parse(File.ReadAllText(Path.Combine(d, "_manifest.json"))).RootElement.Clone())];
}
