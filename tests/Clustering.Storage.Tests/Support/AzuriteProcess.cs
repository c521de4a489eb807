using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Clustering.Storage.Azure;
using Clustering.Tests.Shared;

namespace Clustering.Storage.Tests.Support;

/// <summary>
/// A real Azurite Blob service on a free loopback port with its own data folder, which can be stopped and started again
/// on the same port and folder; <see cref="AzuriteServer"/> runs the process.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private readonly AzuriteServer _server;
    private readonly AzuriteTls? _tls;

    /// <param name="tls">Serve HTTPS with this certificate and accept Entra ID (OAuth) bearer tokens (`--oauth basic`:
    /// issuer, audience and expiry are checked, the signature is not); null: plain HTTP, keys and SAS only.</param>
    /// <param name="port">The port to try first (default: a free one).</param>
    /// <param name="ownerPid">The process whose end stops Azurite (default: this test host).</param>
    public AzuriteProcess(AzuriteTls? tls = null, int? port = null, int? ownerPid = null)
    {
        _tls = tls;
        var extraArgs = tls is null ? [] : new[] { "--cert", tls.CertificatePem, "--key", tls.KeyPem, "--oauth", "basic" };
        _server = new AzuriteServer("blob", extraArgs, port, ownerPid);
    }

    /// <summary>How long a start waits for Azurite to listen.</summary>
    public static TimeSpan ReadyTimeout => AzuriteServer.ReadyTimeout;

    public int Port => _server.Port;

    /// <summary>The Azurite process while it runs (for tests of this fixture).</summary>
    public int? ProcessId => _server.ProcessId;

    /// <summary>Azurite's data folder.</summary>
    public string Location => _server.Location;

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
    public Task StartAsync(TimeSpan? readyWithin = null) => _server.StartAsync(readyWithin);

    /// <inheritdoc cref="AzuriteServer.StopAsync"/>
    public Task StopAsync(bool crash = false) => _server.StopAsync(crash);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    public static int FreePort() => AzuriteServer.FreePort();
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
