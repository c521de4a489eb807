using System.Net;
using System.Text;
using System.Text.Json;
using Clustering.Storage;
using Clustering.Storage.Azure;
using Clustering.Storage.Tests.Support;
using Xunit.Abstractions;

namespace Clustering.Pipeline.Tests;

/// <summary>
/// `embedctl run --auth identity` end to end, the way a job runs on an Azure VM or App Service without any key: the
/// SDK's DefaultAzureCredential finds the managed-identity endpoint in the environment (IDENTITY_ENDPOINT +
/// IDENTITY_HEADER, the App Service protocol), here a loopback server of this test, and sends its bearer token to
/// Azurite in OAuth mode over HTTPS (the SDK sends tokens over TLS only; the child trusts Azurite's self-signed
/// certificate through SSL_CERT_FILE). Azurite checks the token's issuer, audience and expiry, not its signature.
/// </summary>
public sealed class EntraIdTokenTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clustering-entra-").FullName;
    private readonly AzuriteTls _tls = new();
    private AzuriteProcess _azurite = null!;

    public async Task InitializeAsync() => _azurite = await AzuriteProcess.StartNewAsync(_tls);

    public async Task DisposeAsync() => await _azurite.DisposeAsync();

    public void Dispose()
    {
        _tls.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A token shaped as Entra ID issues them for Storage (only what Azurite's basic OAuth mode reads).</summary>
    private static string Token(string audience)
    {
        static string Part(object value) => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(value)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return Part(new { alg = "RS256", typ = "JWT" }) + "." +
            Part(new { aud = audience, iss = "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/", iat = now - 60, nbf = now - 60, exp = now + 3600, oid = "test-identity" }) +
            ".c2lnbmF0dXJl";
    }

    /// <summary>Container with a small corpus, made with the emulator's key over HTTPS (Azurite takes both in OAuth mode).</summary>
    private async Task<(AzureBlobStore Store, List<string> Ids)> CorpusAsync(string stem)
    {
        var store = new AzureBlobStore(_azurite.Account, $"{stem}{Guid.NewGuid():N}"[..20], new StorageOptions { HttpHandler = _tls.TrustingHandler() });
        Assert.True(await store.CreateContainerIfNotExistsAsync());
        var ids = await BlobCorpus.UploadAsync(store, "data/", objects: 3, perObject: 20);
        return (store, ids);
    }

    private Dictionary<string, string?> Environment(ManagedIdentityEndpoint identity) => new()
    {
        // The account's endpoint only: no key, no SAS, so nothing but a token can authorize.
        [AzureConnectionString.ConnectionStringVariable] = $"BlobEndpoint={_azurite.BlobEndpoint};",
        [AzureConnectionString.AccountVariable] = null,
        [AzureConnectionString.KeyVariable] = null,
        [AzureConnectionString.SasTokenVariable] = null,
        [AzureConnectionString.AuthModeVariable] = null,
        ["IDENTITY_ENDPOINT"] = identity.Url,
        ["IDENTITY_HEADER"] = ManagedIdentityEndpoint.Secret,
        ["MSI_ENDPOINT"] = null,
        ["AZURE_CLIENT_ID"] = null,
        ["AZURE_TENANT_ID"] = null,
        ["AZURE_FEDERATED_TOKEN_FILE"] = null,
        ["SSL_CERT_FILE"] = _tls.CertificatePem,
        ["XDG_CACHE_HOME"] = Path.Combine(_dir, "cache"),
    };

    private static string[] RunArgs(string input, string output) =>
        ["run", "--input", input, "--model", TestCorpus.DemoModel, "--output", output, "--shard-docs", "20", "--max-length", "512",
            "--batch-tokens", "2048", "--threads", "1", "--auth", "identity"];

    [Fact]
    public async Task With_auth_identity_a_managed_identity_token_reads_the_corpus_and_writes_the_output()
    {
        var (store, ids) = await CorpusAsync("entra");
        using var identity = new ManagedIdentityEndpoint(Token("https://storage.azure.com"));

        var (code, stdout, stderr) = Embedctl.Run(Environment(identity), null,
            RunArgs($"az://{store.Container}/data/", $"az://{store.Container}/out"));

        Assert.True(code == 0, stderr);
        Assert.Contains($"succeeded: {ids.Count} documents", stderr);
        var manifest = JsonDocument.Parse(await ReadAsync(store, "out/_manifest.json")).RootElement;
        Assert.Equal(ids.Count, manifest.GetProperty("documents").GetInt64());
        Assert.NotNull(await store.GetPropertiesAsync("out/_SUCCESS"));
        // The token came from the endpoint, asked for Storage's resource with the identity header, and was cached.
        Assert.NotEmpty(identity.Requests);
        Assert.All(identity.Requests, r =>
        {
            Assert.Equal(ManagedIdentityEndpoint.Secret, r.Header);
            Assert.StartsWith("https://storage.azure.com", r.Resource);
        });
        Assert.True(identity.Requests.Count <= 2, $"{identity.Requests.Count} token requests for one short job");
        Assert.DoesNotContain(identity.AccessToken[..40], stdout + stderr);
    }

    [Fact]
    public async Task A_token_for_another_audience_fails_by_name_without_a_stack_trace_or_the_token()
    {
        var (store, _) = await CorpusAsync("entrabad");
        using var identity = new ManagedIdentityEndpoint(Token("https://vault.azure.net"));

        var (code, stdout, stderr) = Embedctl.Run(Environment(identity), null,
            RunArgs($"az://{store.Container}/data/", $"az://{store.Container}/out"));

        output.WriteLine(stderr);
        Assert.Equal(1, code);
        Assert.Contains(AzureBlobAccount.DevelopmentAccountName, stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain(identity.AccessToken[..40], stdout + stderr);
        Assert.Null(await store.GetPropertiesAsync("out/_SUCCESS"));
    }

    [Fact]
    public async Task Without_a_token_source_auth_identity_says_what_is_missing()
    {
        var (store, _) = await CorpusAsync("entranone");
        using var identity = new ManagedIdentityEndpoint(Token("https://storage.azure.com"));
        var environment = Environment(identity);
        environment["IDENTITY_ENDPOINT"] = null;
        environment["IDENTITY_HEADER"] = null;
        // Nothing else DefaultAzureCredential could find: no Azure CLI profile, no IMDS on this machine (it is probed
        // with a short timeout), so the run must end with an authentication error, not hang or succeed.
        environment["HOME"] = Path.Combine(_dir, "home");
        environment["AZURE_TOKEN_CREDENTIALS"] = "ManagedIdentityCredential";

        var (code, _, stderr) = Embedctl.Run(environment, null, RunArgs($"az://{store.Container}/data/", $"az://{store.Container}/out"));

        output.WriteLine(stderr);
        Assert.Equal(1, code);
        Assert.Contains("ManagedIdentityCredential", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    private static async Task<string> ReadAsync(IBlobStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    /// <summary>The App Service managed-identity endpoint on loopback: answers every token request with one token.</summary>
    private sealed class ManagedIdentityEndpoint : IDisposable
    {
        public const string Secret = "identity-header-of-this-test";
        private readonly HttpListener _listener = new();
        private readonly List<(string? Header, string Resource)> _requests = [];

        public string AccessToken { get; }

        public string Url { get; }

        public IReadOnlyList<(string? Header, string Resource)> Requests { get { lock (_requests) return [.. _requests]; } }

        public ManagedIdentityEndpoint(string token)
        {
            AccessToken = token;
            var port = AzuriteProcess.FreePort();
            Url = $"http://127.0.0.1:{port}/msi/token";
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/msi/");
            _listener.Start();
            _ = ServeAsync();
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                var resource = context.Request.QueryString["resource"] ?? "";
                lock (_requests) _requests.Add((context.Request.Headers["X-IDENTITY-HEADER"], resource));
                var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
                {
                    ["access_token"] = AccessToken,
                    ["expires_on"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["resource"] = resource,
                    ["token_type"] = "Bearer",
                });
                context.Response.ContentType = "application/json";
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}
