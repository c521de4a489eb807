using Clustering.Storage.Azure;

namespace Clustering.Storage;

/// <summary>
/// Turns a location a user typed into a store and a key (or a prefix, when it ends with '/'):
/// <list type="bullet">
/// <item><c>az://container/path</c>: the account comes from <see cref="StorageOptions.ConnectionString"/> or the environment;</item>
/// <item><c>https://account.blob.core.windows.net/container/path[?SAS]</c>;</item>
/// <item><c>http://127.0.0.1:10000/devstoreaccount1/container/path</c> (path-style, the emulator);</item>
/// <item><c>file:///dir/file</c> or a plain path: a <see cref="LocalBlobStore"/> on the folder (the path itself when it
/// ends with '/' or is a folder, else its parent).</item>
/// </list>
/// Messages quote the location with any SAS signature removed.
/// </summary>
public static class BlobLocations
{
    public static (IBlobStore Store, string KeyOrPrefix) Open(string uriOrLocalPath, StorageOptions? options = null)
    {
        options ??= new StorageOptions();
        if (string.IsNullOrWhiteSpace(uriOrLocalPath)) throw new ClusteringException("empty storage location");
        var shown = SecretRedactor.Redact(uriOrLocalPath);

        if (uriOrLocalPath.StartsWith("az://", StringComparison.OrdinalIgnoreCase))
        {
            var account = ConfiguredAccount(options)
                ?? throw new ClusteringException(
                    $"{shown}: no Azure Storage account is configured; set {AzureConnectionString.ConnectionStringVariable} " +
                    $"(or {AzureConnectionString.AccountVariable}, with {AzureConnectionString.KeyVariable} or {AzureConnectionString.SasTokenVariable} or an Entra ID identity)");
            return OpenAzure(account, uriOrLocalPath["az://".Length..], shown, options);
        }

        if (uriOrLocalPath.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || uriOrLocalPath.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(uriOrLocalPath, UriKind.Absolute, out var uri)) throw new ClusteringException($"{shown}: not a valid URL");
            var (account, rest) = AccountOfUrl(uri, options, shown);
            return OpenAzure(account, rest, shown, options);
        }

        var path = uriOrLocalPath;
        if (uriOrLocalPath.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(uriOrLocalPath, UriKind.Absolute, out var fileUri) || !fileUri.IsFile || !string.IsNullOrEmpty(fileUri.Host) && fileUri.Host != "localhost")
                throw new ClusteringException($"{shown}: only local file:// URIs (file:///path) are supported");
            path = fileUri.LocalPath + (uriOrLocalPath.EndsWith('/') && !fileUri.LocalPath.EndsWith('/') ? "/" : "");
        }
        return OpenLocal(path);
    }

    /// <summary>The account of <see cref="StorageOptions.ConnectionString"/>, else of the environment; null when neither names one.</summary>
    public static AzureBlobAccount? ConfiguredAccount(StorageOptions options) => new AzureCredentialChain(options).ConfiguredAccount();

    private static (IBlobStore, string) OpenLocal(string path)
    {
        var full = Path.GetFullPath(path);
        if (path.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar) || Directory.Exists(full))
            return (new LocalBlobStore(full), "");
        var parent = Path.GetDirectoryName(full) ?? throw new ClusteringException($"{path}: names no file");
        return (new LocalBlobStore(parent), Path.GetFileName(full));
    }

    private static (AzureBlobAccount Account, string ContainerAndPath) AccountOfUrl(Uri uri, StorageOptions options, string shown)
    {
        var query = uri.Query.TrimStart('?');
        var sas = query.Split('&').Any(p => p.StartsWith("sig=", StringComparison.OrdinalIgnoreCase)) ? new SasCredential(query) : null;
        var path = uri.AbsolutePath;
        var chain = new AzureCredentialChain(options);
        var configured = chain.Configured();

        Uri endpoint;
        string name;
        string rest;
        if (configured is not null && IsUnder(uri, configured.BlobEndpoint))
        {
            endpoint = configured.BlobEndpoint;
            name = configured.Name;
            rest = path[configured.BlobEndpoint.AbsolutePath.TrimEnd('/').Length..];
        }
        else if (AzureBlobAccount.IsPathStyle(uri))
        {
            var segments = path.TrimStart('/').Split('/', 2);
            if (segments[0].Length == 0) throw new ClusteringException($"{shown}: a path-style URL names the account first: http://host:port/account/container/path");
            name = segments[0];
            endpoint = new Uri($"{uri.Scheme}://{uri.Authority}/{name}");
            rest = segments.Length > 1 ? "/" + segments[1] : "";
        }
        else
        {
            name = AzureBlobAccount.AccountNameFromEndpoint(uri) ?? throw new ClusteringException($"{shown}: cannot tell the storage account from the host name");
            endpoint = new Uri($"{uri.Scheme}://{uri.Authority}");
            rest = path;
        }

        return (new AzureBlobAccount(name, endpoint, chain.ForUrlAccount(name, sas)), rest.TrimStart('/'));
    }

    private static bool IsUnder(Uri uri, Uri endpoint) =>
        uri.Scheme == endpoint.Scheme && uri.Authority.Equals(endpoint.Authority, StringComparison.OrdinalIgnoreCase)
        && (uri.AbsolutePath + "/").StartsWith(endpoint.AbsolutePath.TrimEnd('/') + "/", StringComparison.Ordinal);

    /// <summary>"container/path/to/key" (escaped as in a URL or not) → the store of the container and the key.</summary>
    private static (IBlobStore, string) OpenAzure(AzureBlobAccount account, string containerAndPath, string shown, StorageOptions options)
    {
        var slash = containerAndPath.IndexOf('/');
        var container = Uri.UnescapeDataString(slash < 0 ? containerAndPath : containerAndPath[..slash]);
        var key = slash < 0 ? "" : Uri.UnescapeDataString(containerAndPath[(slash + 1)..]);
        if (container.Length == 0) throw new ClusteringException($"{shown}: names no container (expected .../container/path)");
        var store = new AzureBlobStore(account, container, options);
        if (key.Length > 0)
        {
            if (key.EndsWith('/')) BlobKeys.ValidatePrefix(shown, key);
            else BlobKeys.Validate(shown, key);
        }
        return (store, key);
    }
}
