using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Clustering.Storage.Azure;

namespace Clustering.Storage.Tests.Support;

/// <summary>
/// A real Azurite Blob service (tests/tools/node_modules) on a free loopback port with its own data folder.
/// It can be stopped (SIGTERM, so it saves its metadata) and started again on the same port and folder.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private Process? _process;
    private readonly string _location = Directory.CreateTempSubdirectory("azurite-").FullName;

    public int Port { get; } = FreePort();

    public Uri BlobEndpoint => new($"http://127.0.0.1:{Port}/{AzureBlobAccount.DevelopmentAccountName}");

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AzureBlobAccount.DevelopmentAccountName};AccountKey={AzureBlobAccount.DevelopmentAccountKey};BlobEndpoint={BlobEndpoint};";

    public AzureBlobAccount Account => AzureBlobAccount.Development(BlobEndpoint);

    public static async Task<AzuriteProcess> StartNewAsync()
    {
        var azurite = new AzuriteProcess();
        await azurite.StartAsync();
        return azurite;
    }

    public async Task StartAsync()
    {
        var exe = System.IO.Path.Combine(RepoRoot.Path, "tests", "tools", "node_modules", ".bin", "azurite-blob");
        if (!File.Exists(exe)) throw new InvalidOperationException($"Azurite is not installed at {exe}; run tests/run.sh (npm ci in tests/tools)");
        var info = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(), "--location", _location,
                     "--disableTelemetry", "--skipApiVersionCheck", "--loose" })
            info.ArgumentList.Add(arg);
        _process = Process.Start(info) ?? throw new InvalidOperationException("Azurite did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"Azurite exited with {_process.ExitCode}");
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
        throw new TimeoutException($"Azurite did not listen on port {Port} within 30 s");
    }

    /// <summary>
    /// Stops Azurite: gracefully (SIGTERM; it saves its metadata, but waits for open responses) or as a crash (SIGKILL;
    /// what it has not saved yet, at most its last 5 s of metadata, is lost). Waits until the process is gone.
    /// </summary>
    public async Task StopAsync(bool crash = false)
    {
        if (_process is null || _process.HasExited) return;
        if (crash) _process.Kill(entireProcessTree: true);
        else using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await term!.WaitForExitAsync();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _process.WaitForExitAsync(wait.Token);
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        try { Directory.Delete(_location, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
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

/// <summary>One Azurite shared by the test classes of the "Azurite" collection.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public AzuriteProcess Azurite { get; private set; } = null!;

    public async Task InitializeAsync() => Azurite = await AzuriteProcess.StartNewAsync();

    public async Task DisposeAsync() => await Azurite.DisposeAsync();

    private int _containers;

    /// <summary>A fresh, created container for one test.</summary>
    public async Task<AzureBlobStore> NewContainerAsync(StorageOptions? options = null, string stem = "t")
    {
        var name = $"{stem}{Interlocked.Increment(ref _containers)}x{Guid.NewGuid():N}"[..24];
        var store = new AzureBlobStore(Azurite.Account, name, options);
        Assert.True(await store.CreateContainerIfNotExistsAsync());
        return store;
    }
}

[CollectionDefinition("Azurite")]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>;
