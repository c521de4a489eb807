using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Clustering.Integration.Tests;

/// <summary>
/// embed-silo --dashboard serves the Orleans dashboard on the API's Kestrel under the API's token rule: a silo
/// listening beyond loopback (so it must have a token) answers 401 there without the token or with a wrong one, and
/// the page and its data with it. Without the flag there is no dashboard. Real silo processes on a SQLite store.
/// </summary>
public sealed class SiloDashboardTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("clustering-it-dashboard-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    private async Task<(ChildProcess Silo, Uri Url)> StartAsync(string name, params string[] extra)
    {
        var port = TemporaryPostgres.FreePort();
        var silo = ChildProcess.Start(RepoPaths.Silo,
            ["--store", "sqlite:" + Path.Combine(_work, name + ".db"), "--listen", $"http://0.0.0.0:{port}", "--name", name, "--threads", "1",
             "--silo-port", TemporaryPostgres.FreePort().ToString(CultureInfo.InvariantCulture),
             "--gateway-port", TemporaryPostgres.FreePort().ToString(CultureInfo.InvariantCulture), .. extra],
            new Dictionary<string, string> { ["CLUSTERING_TOKEN"] = TestCluster.Token });
        await silo.WaitForLineAsync("listening ", TimeSpan.FromSeconds(60));
        return (silo, new Uri($"http://127.0.0.1:{port}/"));
    }

    private async Task<HttpResponseMessage> GetAsync(Uri url, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, path));
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _http.SendAsync(request);
    }

    [Fact]
    public async Task The_dashboard_beyond_loopback_needs_the_token_and_shows_this_silo_with_it()
    {
        var (silo, url) = await StartAsync("dash-on", "--dashboard");
        using var _ = silo;
        foreach (var path in new[] { "dashboard/", "dashboard/index.min.js", "dashboard/DashboardCounters", "dashboard/ClusterStats" })
        {
            using var none = await GetAsync(url, path, null);
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("Bearer realm=\"embed-silo\"", none.Headers.WwwAuthenticate.ToString());
            using var wrong = await GetAsync(url, path, TestCluster.Token + "x");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using (var page = await GetAsync(url, "dashboard/", TestCluster.Token))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("<title>Orleans Dashboard</title>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        // The data the page polls: this silo, active, in the cluster's host list (filled at the dashboard's first
        // sample, a second or so after start).
        JsonElement[] hosts = [];
        for (var until = DateTime.UtcNow + TimeSpan.FromSeconds(30); hosts.Length == 0 && DateTime.UtcNow < until; await Task.Delay(500))
        {
            using var counters = await GetAsync(url, "dashboard/DashboardCounters", TestCluster.Token);
            Assert.Equal(HttpStatusCode.OK, counters.StatusCode);
            using var json = JsonDocument.Parse(await counters.Content.ReadAsStringAsync());
            hosts = [.. json.RootElement.GetProperty("hosts").EnumerateArray().Select(h => h.Clone())];
        }
        var host = Assert.Single(hosts);
        Assert.Equal(("dash-on", "Active"), (host.GetProperty("siloName").GetString(), host.GetProperty("status").GetString()));
        using (var health = await GetAsync(url, "healthz", null)) Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        silo.Terminate();
        Assert.Equal(0, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.DoesNotContain(TestCluster.Token, silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_flag_there_is_no_dashboard()
    {
        var (silo, url) = await StartAsync("dash-off");
        using var _ = silo;
        using (var page = await GetAsync(url, "dashboard/", TestCluster.Token)) Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        using (var data = await GetAsync(url, "dashboard/DashboardCounters", TestCluster.Token)) Assert.Equal(HttpStatusCode.NotFound, data.StatusCode);
        using (var jobs = await GetAsync(url, "v1/jobs", TestCluster.Token)) Assert.Equal(HttpStatusCode.OK, jobs.StatusCode);
        silo.Terminate();
        Assert.Equal(0, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }
}
