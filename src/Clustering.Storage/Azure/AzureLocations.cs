namespace Clustering.Storage.Azure;

/// <summary>
/// The Azure half of <see cref="LocationResolver"/>: <c>az://container/path</c> (the account from
/// <see cref="StorageOptions.ConnectionString"/> or the environment), <c>https://account.blob.core.windows.net/container/path[?SAS]</c>
/// and the path-style emulator form <c>http://127.0.0.1:10000/devstoreaccount1/container/path</c>, each turned into
/// the container's store and the key (or prefix) inside it.
/// </summary>
internal static class AzureLocations
{
    /// <summary><c>az://</c>, <c>http://</c> or <c>https://</c>.</summary>
    public static bool IsBlobUri(string location) =>
        location.StartsWith("az://", StringComparison.OrdinalIgnoreCase)
        || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        || location.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

    /// <param name="named">How messages name the location (the flag and the location without its SAS signature).</param>
    public static (AzureBlobStore Store, string KeyOrPrefix) Open(string location, StorageOptions options, string named)
    {
        if (location.StartsWith("az://", StringComparison.OrdinalIgnoreCase))
        {
            var account = new AzureCredentialChain(options).ConfiguredAccount()
                ?? throw new ClusteringException(
                    $"{named}: no Azure Storage account is configured; set {AzureConnectionString.ConnectionStringVariable} " +
                    $"(or {AzureConnectionString.AccountVariable}, with {AzureConnectionString.KeyVariable} or {AzureConnectionString.SasTokenVariable} or an Entra ID identity)");
            return OpenContainer(account, location["az://".Length..], named, options);
        }
        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri)) throw new ClusteringException($"{named}: not a valid URL");
        var (urlAccount, rest) = AccountOfUrl(uri, options, named);
        return OpenContainer(urlAccount, rest, named, options);
    }

    private static (AzureBlobAccount Account, string ContainerAndPath) AccountOfUrl(Uri uri, StorageOptions options, string named)
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
            if (segments[0].Length == 0) throw new ClusteringException($"{named}: a path-style URL names the account first: http://host:port/account/container/path");
            name = segments[0];
            endpoint = new Uri($"{uri.Scheme}://{uri.Authority}/{name}");
            rest = segments.Length > 1 ? "/" + segments[1] : "";
        }
        else
        {
            name = AzureBlobAccount.AccountNameFromEndpoint(uri) ?? throw new ClusteringException($"{named}: cannot tell the storage account from the host name");
            endpoint = new Uri($"{uri.Scheme}://{uri.Authority}");
            rest = path;
        }

        return (new AzureBlobAccount(name, endpoint, chain.ForUrlAccount(name, sas)), rest.TrimStart('/'));
    }

    private static bool IsUnder(Uri uri, Uri endpoint) =>
        uri.Scheme == endpoint.Scheme && uri.Authority.Equals(endpoint.Authority, StringComparison.OrdinalIgnoreCase)
        && (uri.AbsolutePath + "/").StartsWith(endpoint.AbsolutePath.TrimEnd('/') + "/", StringComparison.Ordinal);

    /// <summary>"container/path/to/key" (escaped as in a URL or not) → the store of the container and the key.</summary>
    private static (AzureBlobStore, string) OpenContainer(AzureBlobAccount account, string containerAndPath, string named, StorageOptions options)
    {
        var slash = containerAndPath.IndexOf('/');
        var container = Uri.UnescapeDataString(slash < 0 ? containerAndPath : containerAndPath[..slash]);
        var key = slash < 0 ? "" : Uri.UnescapeDataString(containerAndPath[(slash + 1)..]);
        if (container.Length == 0) throw new ClusteringException($"{named}: names no container (expected .../container/path)");
        var store = new AzureBlobStore(account, container, options);
        if (key.Length > 0)
        {
            if (key.EndsWith('/')) BlobKeys.ValidatePrefix(named, key);
            else BlobKeys.Validate(named, key);
        }
        return (store, key);
    }
}
