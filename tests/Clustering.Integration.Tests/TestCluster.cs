using System.Text.Json;
using Clustering.Client;

namespace Clustering.Integration.Tests;

/// <summary>
/// One test's cluster: a database of its own in the class's PostgreSQL server, a work folder, and the embed-silo
/// processes the test starts. Disposing kills what is left and, on failure, the silos' logs are in the test output.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public const string Token = "it-token-0123456789abcdef-secret";

    private readonly List<ChildProcess> _silos = [];

    private TestCluster(TemporaryPostgres postgres, string database, string work)
    {
        Postgres = postgres;
        Database = database;
        Work = work;
    }

    public TemporaryPostgres Postgres { get; }
    public string Database { get; }
    public string Work { get; }
    public string Store => Postgres.Address(Database);
    public IReadOnlyList<ChildProcess> Silos => _silos;

    public static async Task<TestCluster> CreateAsync(TemporaryPostgres postgres)
    {
        var database = await postgres.CreateDatabaseAsync("it_" + Guid.NewGuid().ToString("N")[..12]);
        return new TestCluster(postgres, database, Directory.CreateTempSubdirectory("clustering-it-").FullName);
    }

    /// <summary>
    /// Starts a silo on a free loopback port with the token (and <paramref name="environment"/>, e.g. storage
    /// credentials) and waits until it serves. In network namespace <paramref name="netns"/> when given, with its API
    /// on <paramref name="listenAddress"/> (the namespace's own address, for the test to reach it from the host).
    /// </summary>
    public async Task<(ChildProcess Silo, Uri Url)> StartSiloAsync(string name, int leaseSeconds = 6, string? netns = null, string? store = null,
        IReadOnlyDictionary<string, string>? environment = null, string listenAddress = "127.0.0.1", params string[] extra)
    {
        var port = TemporaryPostgres.FreePort();
        var url = new Uri($"http://{listenAddress}:{port}");
        string[] args = ["--store", store ?? Store, "--name", name, "--listen", url.ToString().TrimEnd('/'), "--lease-seconds", leaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--workers", "1", "--threads", "1", "--retry-base-seconds", "1",
            "--silo-port", TemporaryPostgres.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", TemporaryPostgres.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), .. extra];
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["CLUSTERING_TOKEN"] = Token };
        var silo = netns is null
            ? ChildProcess.Start(RepoPaths.Silo, args, env)
            : ChildProcess.Start("ip", ["netns", "exec", netns, RepoPaths.Silo, .. args], env, marker: RepoPaths.Silo); // ip execs the silo
        _silos.Add(silo);
        await silo.WaitForLineAsync("listening ", TimeSpan.FromSeconds(60));
        return (silo, url);
    }

    public ClusterClient Client(Uri silo) => new(silo, Token);

    /// <summary>The id of the (one) worker of the silo named <paramref name="siloName"/>, the owner its leases carry.</summary>
    public static async Task<string> WorkerIdAsync(ClusterClient client, string siloName)
    {
        for (var tries = 0; ; tries++)
        {
            // A 503 is the silo saying the job directory grain did not answer within its bound (it is still being
            // placed during start-up): not yet, as an empty list is.
            IReadOnlyList<WorkerView> workers;
            try { workers = await client.ListWorkersAsync(); }
            catch (ClusterApiException e) when (e.Status == System.Net.HttpStatusCode.ServiceUnavailable && tries <= 300) { workers = []; }
            if (workers.FirstOrDefault(w => w.Silo == siloName) is { } worker) return worker.Id;
            if (tries > 300) throw new TimeoutException($"no worker of silo {siloName} in the workers list");
            await Task.Delay(100);
        }
    }

    /// <summary>Runs embedctl to the end: exit code, stdout, stderr.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> CliAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null,
        string? stdin = null, TimeSpan? timeout = null)
    {
        using var cli = ChildProcess.Start(RepoPaths.Cli, args, env);
        cli.WriteInput(stdin ?? "");
        var exit = await cli.WaitForExitAsync(timeout ?? TimeSpan.FromMinutes(5));
        return (exit, cli.StandardOutput, cli.StandardError);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; throws with the silos' logs when it does not in time.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            try
            {
                if (await condition()) return;
            }
            catch (ClusterApiException) { /* a silo restarting */ }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{what}: not within {timeout.TotalSeconds} s\n{Logs()}");
    }

    public string Logs() => string.Join("\n", _silos.Select((s, i) => $"----- silo {i} -----\n{s.Output}"));

    /// <summary>The job's manifest and the Parquet files in its folder (to check that unnamed objects were removed).</summary>
    public static (JsonElement Manifest, string[] PartsOnDisk) ReadOutput(string output) =>
        (JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "_manifest.json"))).RootElement,
         Directory.GetFiles(output, "*.parquet").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray());

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos) silo.Dispose();
        try { Directory.Delete(Work, recursive: true); } catch (IOException) { }
        await Task.CompletedTask;
    }
}
