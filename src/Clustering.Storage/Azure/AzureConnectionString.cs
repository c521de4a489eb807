namespace Clustering.Storage.Azure;

/// <summary>
/// Reads the connection strings Azure tools write, and the environment variables they read:
/// <list type="bullet">
/// <item><c>DefaultEndpointsProtocol=https;AccountName=A;AccountKey=K;EndpointSuffix=core.windows.net</c></item>
/// <item><c>BlobEndpoint=https://A.blob.core.windows.net/;SharedAccessSignature=sv=...&amp;sig=...</c></item>
/// <item><c>BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;AccountName=...;AccountKey=...</c></item>
/// <item><c>UseDevelopmentStorage=true</c> (optionally <c>DevelopmentStorageProxyUri=http://host</c>)</item>
/// </list>
/// Messages name the settings, never their values.
/// </summary>
public static class AzureConnectionString
{
    public const string ConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";
    public const string AccountVariable = "AZURE_STORAGE_ACCOUNT";
    public const string KeyVariable = "AZURE_STORAGE_KEY";
    public const string SasTokenVariable = "AZURE_STORAGE_SAS_TOKEN";
    /// <summary>Forces one kind of credential (<see cref="AzureAuthMode"/>); Azure CLI reads the same variable.</summary>
    public const string AuthModeVariable = "AZURE_STORAGE_AUTH_MODE";

    public static AzureBlobAccount Parse(string connectionString)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) throw new ClusteringException("Azure Storage connection string: a part is not 'Name=value'");
            settings[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }
        string? Get(string name) => settings.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

        if (Get("UseDevelopmentStorage") is { } dev)
        {
            if (!dev.Equals("true", StringComparison.OrdinalIgnoreCase))
                throw new ClusteringException("Azure Storage connection string: UseDevelopmentStorage must be 'true'");
            if (Get("DevelopmentStorageProxyUri") is { } proxy)
            {
                var proxyUri = ParseEndpoint(proxy, "DevelopmentStorageProxyUri");
                return AzureBlobAccount.Development(new Uri($"{proxyUri.Scheme}://{proxyUri.Host}:10000/{AzureBlobAccount.DevelopmentAccountName}"));
            }
            return AzureBlobAccount.Development();
        }

        var accountName = Get("AccountName");
        Uri endpoint;
        if (Get("BlobEndpoint") is { } blobEndpoint)
            endpoint = ParseEndpoint(blobEndpoint, "BlobEndpoint");
        else if (accountName is not null)
        {
            var protocol = Get("DefaultEndpointsProtocol") ?? "https";
            if (protocol is not ("http" or "https"))
                throw new ClusteringException("Azure Storage connection string: DefaultEndpointsProtocol must be http or https");
            var suffix = Get("EndpointSuffix") ?? "core.windows.net";
            endpoint = ParseEndpoint($"{protocol}://{accountName}.blob.{suffix}", "AccountName/EndpointSuffix");
        }
        else
            throw new ClusteringException("Azure Storage connection string: it names neither AccountName nor BlobEndpoint nor UseDevelopmentStorage");

        accountName ??= AzureBlobAccount.AccountNameFromEndpoint(endpoint)
            ?? throw new ClusteringException("Azure Storage connection string: AccountName is missing and the BlobEndpoint does not imply one");
        AzureCredential credential =
            Get("AccountKey") is { } key ? new SharedKeyCredential(accountName, key)
            : Get("SharedAccessSignature") is { } sas ? new SasCredential(sas)
            : AnonymousCredential.Instance;
        return new AzureBlobAccount(accountName, endpoint, credential);
    }

    private static Uri ParseEndpoint(string value, string setting)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ClusteringException($"Azure Storage connection string: {setting} is not an http(s) URL");
        return uri;
    }
}
