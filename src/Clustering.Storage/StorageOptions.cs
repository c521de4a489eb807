using Azure.Core;
using Azure.Storage.Blobs;
using Clustering.Storage.Azure;

namespace Clustering.Storage;

/// <summary>
/// How blob URIs are opened: Azure credentials (explicit, or from the environment), transfer sizes, retries and the
/// event hook. A class, not a record, so that no generated ToString() can print a key.
/// </summary>
public sealed class StorageOptions
{
    /// <summary>An Azure Storage connection string; when null, <c>AZURE_STORAGE_CONNECTION_STRING</c> and friends are read.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Forces one kind of credential (<c>--auth</c>); null: <c>AZURE_STORAGE_AUTH_MODE</c>, else auto (see <see cref="AzureAuthMode"/>).</summary>
    public AzureAuthMode? Auth { get; set; }

    /// <summary>The Entra ID credential of token authentication; null: one shared <c>DefaultAzureCredential</c>.</summary>
    public TokenCredential? TokenCredential { get; set; }

    /// <summary>Reads an environment variable (tests substitute their own). Default: <see cref="Environment.GetEnvironmentVariable(string)"/>.</summary>
    public Func<string, string?> EnvironmentVariable { get; set; } = Environment.GetEnvironmentVariable;

    /// <summary>
    /// Service version sent as x-ms-version. Pinned below the SDK's default (2026-10-06) because Azurite 3.37.0, the
    /// emulator the tests and users run, refuses anything newer than 2026-06-06.
    /// </summary>
    public BlobClientOptions.ServiceVersion ServiceVersion { get; set; } = BlobClientOptions.ServiceVersion.V2026_06_06;

    /// <summary>Objects up to this size go up in one Put Blob; larger ones in blocks of this size (Put Block / Put Block List).</summary>
    public int BlockSize { get; set; } = 8 << 20;

    /// <summary>Blocks uploaded at once; memory in use by one upload is about (this + 1) × <see cref="BlockSize"/>.</summary>
    public int MaxParallelBlocks { get; set; } = 4;

    /// <summary>Page size of List Blobs (the service caps it at 5000).</summary>
    public int ListPageSize { get; set; } = 5000;

    public AzureRetryOptions Retry { get; set; } = new();

    /// <summary>The HTTP handler under every Azure request (tests wrap one to count requests or trust a test certificate); null: a shared SocketsHttpHandler.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Receives what the store does (requests, retries, failures), already free of keys and SAS signatures.</summary>
    public Action<BlobStoreEvent>? Events { get; set; }
}

/// <summary>How one request is retried.</summary>
public sealed class AzureRetryOptions
{
    /// <summary>Attempts per request, the first included.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>The first backoff; doubles each attempt, with jitter, up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>One attempt: until the response headers arrive (an upload: until the body is sent and answered); a read stalled this long is resumed.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>All attempts of one request together; no retry starts after it.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMinutes(5);
}

public enum BlobStoreEventLevel { Debug, Information, Warning, Error }

/// <summary>One thing a store did or met, for logs. <see cref="Message"/> never holds a key or a SAS signature.</summary>
public sealed record BlobStoreEvent(BlobStoreEventLevel Level, string Operation, string Message, int Attempt, int? Status, TimeSpan? Delay);
