using System.Net;
using Azure;
using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;

namespace Clustering.Storage.Azure;

/// <summary>
/// Builds the SDK's <see cref="BlobServiceClient"/> for one account: its credential, the pinned service version, our
/// retry policy (<see cref="AzureRetryPolicy"/>) in place of Azure.Core's, the attempt timeout as the network timeout,
/// and one shared HTTP transport (or the test's handler). The SDK's own logging is off: our events are the log.
/// </summary>
internal static class AzureClients
{
    private static readonly Lazy<HttpClientTransport> SharedTransport = new(() => new HttpClientTransport(new HttpClient(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
        ConnectTimeout = TimeSpan.FromSeconds(15),
        MaxConnectionsPerServer = 64,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
    }) { Timeout = Timeout.InfiniteTimeSpan }));

    public static BlobServiceClient Service(AzureBlobAccount account, StorageOptions options)
    {
        var clientOptions = new BlobClientOptions(options.ServiceVersion)
        {
            RetryPolicy = new AzureRetryPolicy(account, options),
            Transport = options.HttpHandler is { } handler
                ? new HttpClientTransport(new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan })
                : SharedTransport.Value,
        };
        clientOptions.Retry.NetworkTimeout = options.Retry.AttemptTimeout;
        clientOptions.Diagnostics.IsLoggingEnabled = false;
        clientOptions.Diagnostics.IsDistributedTracingEnabled = false;
        var endpoint = account.BlobEndpoint;
        return account.Credential switch
        {
            SharedKeyCredential key => new BlobServiceClient(endpoint, new StorageSharedKeyCredential(account.Name, key.Base64Key), clientOptions),
            SasCredential sas => new BlobServiceClient(endpoint, new AzureSasCredential(sas.Token), clientOptions),
            TokenAuthCredential token => new BlobServiceClient(endpoint, token.Credential, clientOptions),
            _ => new BlobServiceClient(endpoint, clientOptions),
        };
    }
}
