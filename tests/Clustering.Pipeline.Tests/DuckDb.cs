using System.Diagnostics;
using System.Text.Json;
using Clustering.Parquet.Tests;

namespace Clustering.Pipeline.Tests;

/// <summary>
/// DuckDB (tests/tools/duckdb-query.mjs): the independent reader of what a job wrote, and the writer of Parquet inputs
/// that our own writer did not make.
/// </summary>
internal static class DuckDb
{
    /// <summary>Runs each statement; returns each result's rows.</summary>
    public static List<JsonElement[][]> Query(params string[] statements)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = RepoPaths.Tools, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Tools, "duckdb-query.mjs"));
        foreach (var sql in statements) start.ArgumentList.Add(sql);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"duckdb-query.mjs failed: {stderr.Result}");
        return lines.Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.Clone()).ToArray()).ToArray();
        }).ToList();
    }

    public static long Scalar(string sql) => Query(sql)[0][0][0].GetInt64();

    /// <summary>A path as a SQL string literal's content: forward slashes, quotes doubled.</summary>
    public static string Quote(string path) => path.Replace('\\', '/').Replace("'", "''");

    /// <summary>The Parquet files of a folder, for SQL.</summary>
    public static string Glob(string folder) => Quote(Path.Combine(folder, "*.parquet"));
}
