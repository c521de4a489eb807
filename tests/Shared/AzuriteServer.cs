using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Clustering.Storage.Tests.Support;

namespace Clustering.Tests.Shared;

/// <summary>
/// A real Azurite service (tests/tools/node_modules/.bin/azurite-blob or azurite-queue) on a free loopback port with
/// its own data folder. It can be stopped (SIGTERM, so it saves its metadata) and started again on the same port and
/// folder. A first start that loses its port to another process (the port is free when chosen, not when Azurite binds
/// it) tries another; readiness is awaited up to 120 s (a loaded 2-core machine needed more than 30); a start that
/// fails stops what it started; and a <see cref="ServerReaper"/> stops Azurite if the test host dies without disposing it.
/// </summary>
internal sealed class AzuriteServer : IAsyncDisposable
{
    /// <summary>How long a start waits for Azurite to listen.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);

    private static readonly TimeSpan GracefulStopTimeout = TimeSpan.FromSeconds(30); // as slow as a start on a loaded box

    private readonly string _service;
    private readonly string _readyLine;
    private readonly IReadOnlyList<string> _extraArgs;
    private readonly int? _ownerPid;
    private readonly StringBuilder _log = new(); // guarded by itself: both output readers append
    private Process? _process;
    private ServerReaper? _reaper;
    private bool _started; // once started, the port is the service's address: a restart must keep it

    /// <param name="service">"blob" or "queue": which azurite-SERVICE runs, with its --SERVICEHost and --SERVICEPort.</param>
    /// <param name="extraArgs">More of Azurite's options (TLS, OAuth).</param>
    /// <param name="port">The port to try first (default: a free one).</param>
    /// <param name="ownerPid">The process whose end stops Azurite (default: this test host).</param>
    public AzuriteServer(string service, IEnumerable<string>? extraArgs = null, int? port = null, int? ownerPid = null)
    {
        _service = service;
        _readyLine = $"Azurite {char.ToUpperInvariant(service[0])}{service[1..]} service successfully listens on";
        _extraArgs = [.. extraArgs ?? []];
        _ownerPid = ownerPid;
        Port = port ?? FreePort();
        Location = Directory.CreateTempSubdirectory($"azurite-{service}-").FullName;
    }

    public int Port { get; private set; }

    /// <summary>The Azurite process while it runs (for tests of the fixtures).</summary>
    public int? ProcessId => _process is { HasExited: false } ? _process.Id : null;

    /// <summary>Azurite's data folder.</summary>
    public string Location { get; }

    /// <param name="readyWithin">How long to wait for it to listen (default <see cref="ReadyTimeout"/>).</param>
    public async Task StartAsync(TimeSpan? readyWithin = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartOnceAsync(readyWithin ?? ReadyTimeout);
                _started = true;
                return;
            }
            catch (PortTakenException) when (!_started && attempt < 5)
            {
                Port = FreePort();
            }
        }
    }

    private async Task StartOnceAsync(TimeSpan readyWithin)
    {
        var exe = Path.Combine(RepoRoot.Path, "tests", "tools", "node_modules", ".bin", $"azurite-{_service}");
        if (!File.Exists(exe)) throw new InvalidOperationException($"Azurite is not installed at {exe}; run tests/run.sh (npm ci in tests/tools)");
        var info = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { $"--{_service}Host", "127.0.0.1", $"--{_service}Port", Port.ToString(CultureInfo.InvariantCulture),
                     "--location", Location, "--disableTelemetry", "--skipApiVersionCheck", "--loose" }.Concat(_extraArgs))
            info.ArgumentList.Add(arg);
        lock (_log) _log.Clear();
        _process = Process.Start(info) ?? throw new InvalidOperationException($"azurite-{_service} did not start");
        _reaper?.Dispose();
        // Its command line names our own data folder: the reaper kills this Azurite and no process that reused the pid.
        _reaper = ServerReaper.Watch($"{ServerReaper.KillIfStill(_process.Id, Location)}; rm -rf {ServerReaper.Quote(Location)}", _ownerPid);
        _process.OutputDataReceived += (_, e) => Log(e.Data);
        _process.ErrorDataReceived += (_, e) => Log(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + readyWithin;
        try
        {
            while (DateTime.UtcNow < deadline)
            {
                if (_process.HasExited)
                {
                    _process.WaitForExit(); // drains the output readers
                    var log = Log(null);
                    if (log.Contains("EADDRINUSE", StringComparison.Ordinal)) throw new PortTakenException(Port, log);
                    throw new InvalidOperationException($"Azurite exited with {_process.ExitCode}: {log}");
                }
                // Its own word, not a TCP probe: a probe also succeeds against another process that holds the port.
                if (Log(null).Contains(_readyLine, StringComparison.Ordinal)) return;
                await Task.Delay(100);
            }
            throw new TimeoutException($"Azurite did not listen on port {Port} within {readyWithin.TotalSeconds:0.###} s: {Log(null)}");
        }
        catch
        {
            await KillAsync(); // a failed start leaves nothing running
            throw;
        }
    }

    /// <summary>Appends a line of Azurite's output (null: none) and returns the whole output so far.</summary>
    private string Log(string? line)
    {
        lock (_log)
        {
            if (line is not null) _log.Append(line).Append('\n');
            return _log.ToString();
        }
    }

    private sealed class PortTakenException(int port, string log) : Exception($"Azurite could not bind port {port}: {log}");

    private async Task KillAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _process = null;
    }

    /// <summary>
    /// Stops Azurite: gracefully (SIGTERM; it saves its metadata, but waits for open responses) or as a crash (SIGKILL;
    /// what it has not saved yet, at most its last 5 s of metadata, is lost). Waits until the process is gone; a graceful
    /// stop that takes longer than 30 s kills it and throws, since what it held may not have been saved.
    /// </summary>
    public async Task StopAsync(bool crash = false)
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            if (crash) _process.Kill(entireProcessTree: true);
            else using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
            using var wait = new CancellationTokenSource(GracefulStopTimeout);
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                await KillAsync();
                throw new TimeoutException($"Azurite did not stop within {GracefulStopTimeout.TotalSeconds} s of SIGTERM: {Log(null)}");
            }
        }
        _process.Dispose();
        _process = null;
    }

    /// <summary>Kills Azurite and deletes its data folder.</summary>
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _reaper?.Dispose();
        try { Directory.Delete(Location, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
