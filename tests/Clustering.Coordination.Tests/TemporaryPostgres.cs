using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Clustering.Coordination.Tests;

/// <summary>
/// A throwaway PostgreSQL server: initdb into a temp folder, listen on 127.0.0.1 at a free port, fsync off, trust
/// authentication. Run as the `postgres` user when we are root (initdb refuses root). Stop() and Start() restart it
/// on the same port and data; Dispose stops it and deletes the folder. Shared by the conformance suite, the
/// integration tests (which also make it listen inside network namespaces) and the store benchmark (linked there).
/// </summary>
public sealed class TemporaryPostgres : IDisposable
{
    private readonly string _bin;
    private readonly bool _asPostgresUser;
    private string _listen = "127.0.0.1";

    private TemporaryPostgres(string bin, string root, int port, bool asPostgresUser)
    {
        _bin = bin;
        Root = root;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    public string Root { get; }
    public int Port { get; }
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

    public static TemporaryPostgres Start(string? bin = null)
    {
        bin ??= FindBinaries() ?? throw new InvalidOperationException("PostgreSQL binaries (initdb, pg_ctl) not found: install postgresql or set CLUSTERING_PG_BIN");
        var asPostgresUser = Environment.UserName == "root";
        var root = Directory.CreateTempSubdirectory("clustering-pg-").FullName;
        if (asPostgresUser) Exec("chown", "postgres:postgres", root);
        var server = new TemporaryPostgres(bin, root, FreePort(), asPostgresUser);
        try
        {
            server.Pg("initdb", "-D", server.DataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
            server.StartServer();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Starts the (stopped) server again on the same port and data.</summary>
    public void StartServer() =>
        Pg("pg_ctl", "-D", DataDir, "-l", System.IO.Path.Combine(Root, "log"), "-w", "-t", "60",
            "-o", $"-k {Root} -p {Port} -c listen_addresses={_listen} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            "start");

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
    }

    private void Pg(string tool, params string[] args)
    {
        var path = System.IO.Path.Combine(_bin, tool);
        if (_asPostgresUser) Exec("runuser", ["-u", "postgres", "--", path, .. args]);
        else Exec(path, args);
    }

    internal static string Exec(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        // Read both streams concurrently: a full pipe would block the child.
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new InvalidOperationException($"{file} did not finish in 120 s"); }
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
