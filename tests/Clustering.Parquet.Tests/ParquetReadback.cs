using System.Diagnostics;
using System.Text.Json;

namespace Clustering.Parquet.Tests;

/// <summary>
/// Runs tests/tools/parquet-readback.mjs once over a batch of files: DuckDB and hyparquet each read every
/// file, and the result is one JSON document keyed by file path.
/// </summary>
internal static class ParquetReadback
{
    public static Dictionary<string, JsonElement> Read(IReadOnlyList<string> files)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepoPaths.Tools,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Tools, "parquet-readback.mjs"));
        foreach (var file in files) start.ArgumentList.Add(file);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3))) process.Kill(entireProcessTree: true);
        if (process.ExitCode != 0) throw new InvalidOperationException($"parquet-readback.mjs failed ({process.ExitCode}): {stderr.Result}");
        using var document = JsonDocument.Parse(stdout);
        var result = new Dictionary<string, JsonElement>();
        foreach (var property in document.RootElement.EnumerateObject()) result[property.Name] = property.Value.Clone();
        return result;
    }
}
