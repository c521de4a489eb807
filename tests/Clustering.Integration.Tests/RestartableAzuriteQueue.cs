using System.Net;
using System.Net.Sockets;

namespace Clustering.Integration.Tests;

/// <summary>
/// A real Azurite queue service that a test can stop (SIGTERM, so it saves its queues) and start again on the same
/// port and folder: an Azure Storage queue that is down for a while and then back with what it held.
/// </summary>
public sealed class RestartableAzuriteQueue : IAsyncDisposable
{
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly string _location = Directory.CreateTempSubdirectory("clustering-azurite-work-").FullName;
    private ChildProcess? _process;

    public int Port { get; } = TemporaryPostgres.FreePort();

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevKey};QueueEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    public static async Task<RestartableAzuriteQueue> StartAsync()
    {
        var azurite = new RestartableAzuriteQueue();
        await azurite.StartAgainAsync();
        return azurite;
    }

    public async Task StartAgainAsync()
    {
        var exe = Path.Combine(RepoPaths.NodeTools, "node_modules", ".bin", "azurite-queue");
        _process = ChildProcess.Start(exe, ["--queueHost", "127.0.0.1", "--queuePort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--location", _location, "--disableTelemetry", "--skipApiVersionCheck", "--loose"], marker: _location);
        var deadline = DateTime.UtcNow.AddSeconds(120); // node starts slowly on a loaded 2-core machine
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"azurite-queue exited with {_process.ExitCode}:\n{_process.Output}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"azurite-queue did not listen on port {Port} within 120 s");
    }

    /// <summary>Stops the service (connections are refused until <see cref="StartAgainAsync"/>).</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        _process.Terminate();
        try
        {
            await _process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            _process.KillHard();
        }
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        _process?.Dispose();
        await Task.CompletedTask;
        try { Directory.Delete(_location, recursive: true); } catch (IOException) { }
    }
}
