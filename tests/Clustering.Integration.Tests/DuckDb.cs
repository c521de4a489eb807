using System.Diagnostics;
using System.Text.Json;

namespace Clustering.Integration.Tests;

/// <summary>DuckDB (node, @duckdb/node-api in tests/tools) as the independent reader of the cluster's Parquet output.</summary>
public static class DuckDb
{
    // Runs one query and prints its rows as JSON (bigints as numbers, float lists as arrays).
    private const string Script = """
        import { DuckDBInstance } from '@duckdb/node-api'
        const db = await DuckDBInstance.create(':memory:')
        const c = await db.connect()
        const reader = await c.runAndReadAll(process.argv[1])
        const plain = v => typeof v === 'bigint' ? Number(v) : (v && v.items) ? v.items.map(plain) : Array.isArray(v) ? v.map(plain) : v
        console.log(JSON.stringify(reader.getRowObjects().map(r => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)])))))
        """;

    public static async Task<JsonElement[]> QueryAsync(string sql)
    {
        var psi = new ProcessStartInfo("node") { WorkingDirectory = RepoPaths.NodeTools, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--input-type=module", "-e", Script, sql }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        if (p.ExitCode != 0) throw new InvalidOperationException($"duckdb query failed ({p.ExitCode}): {await stderr}\n{sql}");
        return JsonSerializer.Deserialize<JsonElement[]>(await stdout)!;
    }

    /// <summary>A DuckDB list literal of file paths: ['a', 'b'].</summary>
    public static string Files(IEnumerable<string> paths) => "[" + string.Join(", ", paths.Select(p => "'" + p.Replace("'", "''") + "'")) + "]";
}
