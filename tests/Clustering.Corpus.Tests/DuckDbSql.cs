using System.Diagnostics;
using System.Text.Json;
using Clustering.Parquet.Tests;

namespace Clustering.Corpus.Tests;

/// <summary>DuckDB (tests/tools/duckdb-query.mjs): writes the Parquet inputs of the tests and reads them back as the oracle.</summary>
internal static class DuckDbSql
{
    /// <summary>Runs each statement; returns each result's rows.</summary>
    public static List<JsonElement[][]> Run(params string[] statements)
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

    /// <summary>A path as a SQL string literal's content.</summary>
    public static string Quote(string path) => path.Replace('\\', '/').Replace("'", "''");
}
