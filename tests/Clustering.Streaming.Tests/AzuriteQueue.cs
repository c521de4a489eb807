using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Clustering.Parquet.Tests;

namespace Clustering.Streaming.Tests;

/// <summary>A real Azurite queue service (tests/tools' azurite-queue) on a free loopback port, in a temp folder, stopped with the test.</summary>
internal sealed class AzuriteQueue : IAsyncDisposable
{
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly string _location = Directory.CreateTempSubdirectory("clustering-azurite-queue-").FullName;
    private Process? _process;

    public int Port { get; } = FreePort();

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevKey};QueueEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    public static async Task<AzuriteQueue> StartAsync()
    {
        var azurite = new AzuriteQueue();
        var exe = Path.Combine(RepoPaths.Tools, "node_modules", ".bin", "azurite-queue");
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--queueHost", "127.0.0.1", "--queuePort", azurite.Port.ToString(), "--location", azurite._location,
                     "--disableTelemetry", "--skipApiVersionCheck", "--loose" })
            info.ArgumentList.Add(arg);
        azurite._process = Process.Start(info) ?? throw new InvalidOperationException("azurite-queue did not start");
        azurite._process.OutputDataReceived += (_, _) => { };
        azurite._process.ErrorDataReceived += (_, _) => { };
        azurite._process.BeginOutputReadLine();
        azurite._process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(90); // node starts slowly on a loaded 2-core machine
        while (DateTime.UtcNow < deadline)
        {
            if (azurite._process.HasExited) throw new InvalidOperationException($"azurite-queue exited with {azurite._process.ExitCode}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, azurite.Port);
                return azurite;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"azurite-queue did not listen on port {azurite.Port} within 90 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        try { Directory.Delete(_location, recursive: true); } catch (IOException) { }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
