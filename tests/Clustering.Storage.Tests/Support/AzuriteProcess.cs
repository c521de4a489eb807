using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Clustering.Storage.Azure;
using Clustering.Tests.Shared;

namespace Clustering.Storage.Tests.Support;

/// <summary>
/// A real Azurite Blob service (tests/tools/node_modules) on a free loopback port with its own data folder.
/// It can be stopped (SIGTERM, so it saves its metadata) and started again on the same port and folder.
/// A first start that loses its port to another process (the port is free when chosen, not when Azurite binds it)
/// tries another; readiness is awaited up to 120 s (a loaded 2-core machine needed more than 30); a start that fails
/// stops what it started; and a <see cref="ServerReaper"/> stops Azurite if the test host dies without disposing it.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private Process? _process;
    private readonly string _location = Directory.CreateTempSubdirectory("azurite-").FullName;
    private readonly AzuriteTls? _tls;

    /// <param name="tls">Serve HTTPS with this certificate and accept Entra ID (OAuth) bearer tokens (`--oauth basic`:
    /// issuer, audience and expiry are checked, the signature is not); null: plain HTTP, keys and SAS only.</param>
    /// <param name="port">The port to try first (default: a free one).</param>
    /// <param name="ownerPid">The process whose end stops Azurite (default: this test host).</param>
    public AzuriteProcess(AzuriteTls? tls = null, int? port = null, int? ownerPid = null)
    {
        _tls = tls;
        _ownerPid = ownerPid;
        Port = port ?? FreePort();
    }

    private readonly int? _ownerPid;

    /// <summary>How long a start waits for Azurite to listen.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);

    private ServerReaper? _reaper;
    private bool _started; // once started, the port is the service's address: a restart must keep it
    private readonly System.Text.StringBuilder _log = new(); // guarded by itself: both output readers append

    public int Port { get; private set; }

    /// <summary>The Azurite process while it runs (for tests of this fixture).</summary>
    public int? ProcessId => _process is { HasExited: false } ? _process.Id : null;

    /// <summary>Azurite's data folder.</summary>
    public string Location => _location;

    public Uri BlobEndpoint => new($"{(_tls is null ? "http" : "https")}://127.0.0.1:{Port}/{AzureBlobAccount.DevelopmentAccountName}");

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AzureBlobAccount.DevelopmentAccountName};AccountKey={AzureBlobAccount.DevelopmentAccountKey};BlobEndpoint={BlobEndpoint};";

    public AzureBlobAccount Account => AzureBlobAccount.Development(BlobEndpoint);

    public static async Task<AzuriteProcess> StartNewAsync(AzuriteTls? tls = null)
    {
        var azurite = new AzuriteProcess(tls);
        try
        {
            await azurite.StartAsync();
            return azurite;
        }
        catch
        {
            await azurite.DisposeAsync();
            throw;
        }
    }

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
        if (_tls is not null)
            foreach (var arg in new[] { "--cert", _tls.CertificatePem, "--key", _tls.KeyPem, "--oauth", "basic" })
                info.ArgumentList.Add(arg);
        lock (_log) _log.Clear();
        _process = Process.Start(info) ?? throw new InvalidOperationException("Azurite did not start");
        _reaper?.Dispose();
        // Its command line names our own data folder: the reaper kills this Azurite and no process that reused the pid.
        _reaper = ServerReaper.Watch($"{ServerReaper.KillIfStill(_process.Id, _location)}; rm -rf {ServerReaper.Quote(_location)}", _ownerPid);
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
                    if (log.Contains("EADDRINUSE", StringComparison.Ordinal)) throw new PortTakenException();
                    throw new InvalidOperationException($"Azurite exited with {_process.ExitCode}: {log}");
                }
                // Its own word, not a TCP probe: a probe also succeeds against another process that holds the port.
                if (Log(null).Contains("Azurite Blob service successfully listens on", StringComparison.Ordinal)) return;
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

    private sealed class PortTakenException : Exception;

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
        await KillAsync();
        _reaper?.Dispose();
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

/// <summary>A self-signed certificate for 127.0.0.1 as PEM files, for Azurite's HTTPS (which OAuth needs: the SDK sends bearer tokens over TLS only).</summary>
public sealed class AzuriteTls : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("azurite-tls-").FullName;

    public X509Certificate2 Certificate { get; }

    public string CertificatePem => System.IO.Path.Combine(_folder, "cert.pem");

    public string KeyPem => System.IO.Path.Combine(_folder, "key.pem");

    public AzuriteTls()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key,
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        File.WriteAllText(CertificatePem, Certificate.ExportCertificatePem());
        File.WriteAllText(KeyPem, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>An HTTP handler that trusts this certificate (and only it) for the in-process SDK clients of a test.</summary>
    public HttpMessageHandler TrustingHandler() => new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == Certificate.GetCertHashString() },
    };

    public void Dispose()
    {
        Certificate.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
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
