using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Clustering.Tests.Shared;

namespace Clustering.Coordination.Tests;

/// <summary>
/// A throwaway PostgreSQL server: initdb into a temp folder, listen on 127.0.0.1 at a free port, fsync off, trust
/// authentication. Run as the `postgres` user when we are root (initdb refuses root). Stop() and Start() restart it
/// on the same port and data; Dispose stops it and deletes the folder. Shared by the conformance suite, the
/// integration tests (which also make it listen inside network namespaces) and the store benchmark (linked there).
/// A first start whose port was taken meanwhile tries another; pg_ctl waits up to 120 s for readiness (a loaded 2-core
/// machine is slow); a failed start stops and deletes what it made; a <see cref="ServerReaper"/> stops the server and
/// deletes its folder if the test host dies without disposing it.
/// </summary>
public sealed class TemporaryPostgres : IDisposable
{
    private readonly string _bin;
    private readonly bool _asPostgresUser;
    private string _listen = "127.0.0.1";
    private ServerReaper? _reaper;

    /// <summary>Seconds pg_ctl waits for the server to accept connections.</summary>
    public const int ReadySeconds = 120;

    private TemporaryPostgres(string bin, string root, int port, bool asPostgresUser)
    {
        _bin = bin;
        Root = root;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    public string Root { get; }
    public int Port { get; private set; }
    private string DataDir => System.IO.Path.Combine(Root, "data");

    /// <summary>The address of database <paramref name="database"/> as the superuser (trust auth: any password is accepted).</summary>
    public string Address(string database = "postgres", string? password = null, string? query = null, string host = "127.0.0.1") =>
        $"postgres://postgres{(password is null ? "" : ":" + Uri.EscapeDataString(password))}@{host}:{Port}/{database}{(query is null ? "" : "?" + query)}";

    /// <summary>The folder holding pg_ctl and initdb: $CLUSTERING_PG_BIN, the newest /usr/lib/postgresql/*/bin, or pg_ctl on PATH; null when none.</summary>
    public static string? FindBinaries()
    {
        var env = Environment.GetEnvironmentVariable("CLUSTERING_PG_BIN");
        if (!string.IsNullOrEmpty(env)) return File.Exists(System.IO.Path.Combine(env, "pg_ctl")) ? env : null;
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            var best = Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: System.IO.Path.Combine(d, "bin"), Version: int.TryParse(System.IO.Path.GetFileName(d), out var v) ? v : 0))
                .Where(x => File.Exists(System.IO.Path.Combine(x.Dir, "pg_ctl")))
                .OrderByDescending(x => x.Version)
                .Select(x => x.Dir)
                .FirstOrDefault();
            if (best is not null) return best;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(System.IO.Path.Combine(dir, "pg_ctl")) && File.Exists(System.IO.Path.Combine(dir, "initdb"))) return dir;
        return null;
    }

    /// <param name="port">The port to try first (default: a free one).</param>
    /// <param name="ownerPid">The process whose end stops the server (default: this test host).</param>
    public static TemporaryPostgres Start(string? bin = null, int? port = null, int? ownerPid = null)
    {
        bin ??= FindBinaries() ?? throw new InvalidOperationException("PostgreSQL binaries (initdb, pg_ctl) not found: install postgresql or set CLUSTERING_PG_BIN");
        var asPostgresUser = Environment.UserName == "root";
        var root = Directory.CreateTempSubdirectory("clustering-pg-").FullName;
        if (asPostgresUser) Exec("chown", "postgres:postgres", root);
        var server = new TemporaryPostgres(bin, root, port ?? FreePort(), asPostgresUser);
        try
        {
            server._reaper = ServerReaper.Watch($"{server.PgLine("pg_ctl", "-D", server.DataDir, "-w", "-m", "immediate", "stop")}; rm -rf {ServerReaper.Quote(root)}", ownerPid);
            server.Pg("initdb", "-D", server.DataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    server.StartServer();
                    return server;
                }
                catch (InvalidOperationException) when (attempt < 5 && server.LostItsPort())
                {
                    server.Port = FreePort(); // taken between choosing it and binding it
                }
            }
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Starts the (stopped) server again on the same port and data.</summary>
    public void StartServer() =>
        Pg("pg_ctl", "-D", DataDir, "-l", System.IO.Path.Combine(Root, "log"), "-w", "-t", ReadySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-o", $"-k {Root} -p {Port} -c listen_addresses={_listen} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            "start");

    /// <summary>Whether the last start failed because another process holds the port.</summary>
    private bool LostItsPort()
    {
        var log = System.IO.Path.Combine(Root, "log");
        return File.Exists(log) && File.ReadAllText(log).Contains("Address already in use", StringComparison.Ordinal);
    }

    /// <summary>Also listen on <paramref name="address"/> and trust clients from <paramref name="clientCidr"/> (restarts the server).</summary>
    public void AlsoListenOn(string address, string clientCidr)
    {
        StopServer();
        File.AppendAllText(System.IO.Path.Combine(DataDir, "pg_hba.conf"), $"\nhost all all {clientCidr} trust\n");
        _listen = "127.0.0.1," + address;
        StartServer();
    }

    /// <summary>Creates a database for one test (trust auth, so no password).</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var c = new Npgsql.NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false");
        await c.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", c); // a generated identifier, not input
        await cmd.ExecuteNonQueryAsync();
        return name;
    }

    /// <summary>Stops the server (fast: clients are disconnected), as a restart or a failover would.</summary>
    public void StopServer() => Pg("pg_ctl", "-D", DataDir, "-w", "-m", "fast", "stop");

    public void Dispose()
    {
        try { if (File.Exists(System.IO.Path.Combine(DataDir, "postmaster.pid"))) Pg("pg_ctl", "-D", DataDir, "-w", "-m", "immediate", "stop"); }
        catch (InvalidOperationException) { /* already stopped */ }
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _reaper?.Dispose();
    }

    /// <summary>The postmaster's pid while the server runs (for tests of this fixture).</summary>
    public int? ServerProcessId
    {
        get
        {
            var pidFile = System.IO.Path.Combine(DataDir, "postmaster.pid");
            try { return File.Exists(pidFile) ? int.Parse(File.ReadLines(pidFile).First(), System.Globalization.CultureInfo.InvariantCulture) : null; }
            catch (IOException) { return null; }
        }
    }

    private void Pg(string tool, params string[] args)
    {
        var path = System.IO.Path.Combine(_bin, tool);
        if (_asPostgresUser) Exec("runuser", ["-u", "postgres", "--", path, .. args]);
        else Exec(path, args);
    }

    /// <summary>The same call as <see cref="Pg"/> as one bash line, for the reaper.</summary>
    private string PgLine(string tool, params string[] args)
    {
        var line = string.Join(' ', new[] { System.IO.Path.Combine(_bin, tool) }.Concat(args).Select(ServerReaper.Quote));
        return _asPostgresUser ? "runuser -u postgres -- " + line : line;
    }

    internal static string Exec(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        // Read both streams concurrently: a full pipe would block the child.
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        // pg_ctl itself waits up to ReadySeconds for a start; this bound is for a tool that hangs.
        if (!p.WaitForExit(180_000)) { p.Kill(true); throw new InvalidOperationException($"{file} did not finish in 180 s"); }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {p.ExitCode}: {stderr.Result}{stdout.Result}");
        return stdout.Result;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
