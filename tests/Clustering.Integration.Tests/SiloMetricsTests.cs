using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Clustering.Integration.Tests;

/// <summary>
/// /metrics of a real embed-silo carries ours and the Orleans runtime's meters ("Microsoft.Orleans") in one valid
/// Prometheus text: every sample belongs to a family declared once, Orleans' values say what this one-silo cluster is.
/// </summary>
public sealed partial class SiloMetricsTests : IAsyncLifetime
{
    private ChildProcess _silo = null!;
    private Uri _url = null!;
    private string _work = null!;

    public async Task InitializeAsync()
    {
        _work = Directory.CreateTempSubdirectory("clustering-it-metrics-").FullName;
        var port = TemporaryPostgres.FreePort();
        _url = new Uri($"http://127.0.0.1:{port}/");
        _silo = ChildProcess.Start(RepoPaths.Silo,
            ["--store", "sqlite:" + Path.Combine(_work, "cluster.db"), "--listen", $"http://127.0.0.1:{port}", "--name", "metrics-test", "--threads", "1",
             "--silo-port", TemporaryPostgres.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--gateway-port", TemporaryPostgres.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture)],
            new Dictionary<string, string> { ["CLUSTERING_TOKEN"] = TestCluster.Token });
        await _silo.WaitForLineAsync("listening ", TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        _silo.Terminate();
        await _silo.WaitForExitAsync(TimeSpan.FromSeconds(60));
        _silo.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Metrics_has_ours_and_the_orleans_runtimes_in_one_valid_exposition()
    {
        using var http = new HttpClient { BaseAddress = _url, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestCluster.Token);
        // The job directory grain activates as the silo starts; its activation is counted once it has.
        var text = "";
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        do
        {
            text = await http.GetStringAsync("metrics");
            if (text.Contains("orleans_grains{grain_type=\"jobdirectory\"} 1\n", StringComparison.Ordinal)) break;
            await Task.Delay(500);
        } while (DateTime.UtcNow < until);

        Assert.Contains("clustering_store_up 1\n", text, StringComparison.Ordinal);                          // ours
        Assert.Contains("clustering_worker_directory_up 1\n", text, StringComparison.Ordinal);
        Assert.Contains("clustering_shard_retries_total{silo=\"metrics-test\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("orleans_grains{grain_type=\"jobdirectory\"} 1\n", text, StringComparison.Ordinal);   // Orleans': one live activation
        Assert.Contains("orleans_consistent_ring_size 1\n", text, StringComparison.Ordinal);                  // a cluster of this one silo
        Assert.Contains("# TYPE orleans_catalog_activation_created_total counter\n", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^orleans_app_requests_latency_count [1-9]\d*$", text);                         // grain calls were timed

        // The exposition: each family declared once (HELP then TYPE), each sample of a declared family, numbers parse.
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal)) continue;
            if (TypeLine().Match(line) is { Success: true } type)
            {
                Assert.True(types.TryAdd(type.Groups[1].Value, type.Groups[2].Value), "declared twice: " + line);
                continue;
            }
            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, "not a sample line: " + line);
            var name = sample.Groups[1].Value;
            var family = types.ContainsKey(name) ? name : Regex.Replace(name, "_(sum|count|bucket)$", "");
            Assert.True(types.ContainsKey(family), "sample of an undeclared family: " + line);
            Assert.True(double.TryParse(sample.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture, out _) || sample.Groups[3].Value is "NaN" or "+Inf" or "-Inf", line);
        }
        Assert.Contains(types.Keys, k => k.StartsWith("orleans_", StringComparison.Ordinal));
        Assert.Contains(types.Keys, k => k.StartsWith("clustering_", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary|histogram|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\]|\\.)*"",?)*\})? (\S+)$")]
    private static partial Regex SampleLine();
}
