using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Clustering.Integration.Tests;

/// <summary>
/// A throwaway PostgreSQL server, the way Clustering.Coordination.Tests starts one: initdb into a temp folder,
/// listen on 127.0.0.1 (and any extra addresses, for network namespace tests) at a free port, fsync off, trust
/// authentication, run as the `postgres` user when we are root. Stop/Start restart it on the same port and data.
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
    private string DataDir => Path.Combine(Root, "data");

    public string Address(string database, string host = "127.0.0.1") => $"postgres://postgres@{host}:{Port}/{database}";

    public static string? FindBinaries()
    {
        var env = Environment.GetEnvironmentVariable("CLUSTERING_PG_BIN");
        if (!string.IsNullOrEmpty(env)) return File.Exists(Path.Combine(env, "pg_ctl")) ? env : null;
        if (!Directory.Exists("/usr/lib/postgresql")) return null;
        return Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
            .OrderByDescending(d => d, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    public static TemporaryPostgres Start()
    {
        var bin = FindBinaries() ?? throw new InvalidOperationException("PostgreSQL binaries (initdb, pg_ctl) not found: install postgresql or set CLUSTERING_PG_BIN");
        var asPostgresUser = Environment.UserName == "root";
        var root = Directory.CreateTempSubdirectory("clustering-it-pg-").FullName;
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

    /// <summary>Also listen on <paramref name="address"/> and trust clients from <paramref name="clientCidr"/> (restarts the server).</summary>
    public void AlsoListenOn(string address, string clientCidr)
    {
        StopServer();
        var hba = Path.Combine(DataDir, "pg_hba.conf");
        File.AppendAllText(hba, $"\nhost all all {clientCidr} trust\n");
        _listen = "127.0.0.1," + address;
        StartServer();
    }

    public void StartServer() =>
        Pg("pg_ctl", "-D", DataDir, "-l", Path.Combine(Root, "log"), "-w", "-t", "60",
            "-o", $"-k {Root} -p {Port} -c listen_addresses={_listen} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            "start");

    public void StopServer() => Pg("pg_ctl", "-D", DataDir, "-w", "-m", "fast", "stop");

    /// <summary>Creates a database for one test (trust auth, so no password).</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var c = new Npgsql.NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false");
        await c.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", c); // a generated identifier, not input
        await cmd.ExecuteNonQueryAsync();
        return name;
    }

    public void Dispose()
    {
        try { if (File.Exists(Path.Combine(DataDir, "postmaster.pid"))) Pg("pg_ctl", "-D", DataDir, "-w", "-m", "immediate", "stop"); }
        catch (InvalidOperationException) { }
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private void Pg(string tool, params string[] args)
    {
        var path = Path.Combine(_bin, tool);
        if (_asPostgresUser) Exec("runuser", ["-u", "postgres", "--", path, .. args]);
        else Exec(path, args);
    }

    internal static string Exec(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
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
