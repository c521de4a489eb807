using System.Net;

namespace Clustering.Storage.Azure;

/// <summary>
/// One storage account as requests see it: its name, its Blob service endpoint (no trailing slash, no query; for the
/// emulator the path-style form <c>http://127.0.0.1:10000/devstoreaccount1</c>) and its credential.
/// </summary>
public sealed class AzureBlobAccount
{
    /// <summary>The emulator's well-known account (public, documented by Microsoft; not a secret).</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";
    public const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    public static readonly Uri DevelopmentBlobEndpoint = new("http://127.0.0.1:10000/devstoreaccount1");

    public AzureBlobAccount(string name, Uri blobEndpoint, AzureCredential credential)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ClusteringException("Azure Storage: the account name is empty");
        if (blobEndpoint.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(blobEndpoint.Query))
            throw new ClusteringException($"Azure Storage account '{name}': the blob endpoint must be an http(s) URL without a query");
        Name = name;
        BlobEndpoint = new Uri(blobEndpoint.GetLeftPart(UriPartial.Path).TrimEnd('/'));
        Credential = credential;
    }

    public string Name { get; }
    public Uri BlobEndpoint { get; }
    public AzureCredential Credential { get; }

    /// <summary>The same account and endpoint with another credential.</summary>
    public AzureBlobAccount With(AzureCredential credential) => ReferenceEquals(credential, Credential) ? this : new(Name, BlobEndpoint, credential);

    public static AzureBlobAccount Development(Uri? endpoint = null) =>
        new(DevelopmentAccountName, endpoint ?? DevelopmentBlobEndpoint,
            new SharedKeyCredential(DevelopmentAccountName, DevelopmentAccountKey));

    /// <summary>
    /// The account name an endpoint implies: the first path segment for path-style hosts (an IP address or
    /// localhost, as the emulator uses), otherwise the first label of the host (<c>acct.blob.core.windows.net</c>).
    /// </summary>
    public static string? AccountNameFromEndpoint(Uri endpoint)
    {
        if (IsPathStyle(endpoint))
        {
            var first = endpoint.AbsolutePath.Trim('/').Split('/')[0];
            return first.Length > 0 ? first : null;
        }
        var dot = endpoint.Host.IndexOf('.');
        return dot > 0 ? endpoint.Host[..dot] : null;
    }

    /// <summary>Hosts addressed path-style (account in the path): IP addresses and localhost.</summary>
    public static bool IsPathStyle(Uri uri) =>
        IPAddress.TryParse(uri.Host.Trim('[', ']'), out _) || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase);

    public override string ToString() => $"{Name} at {BlobEndpoint} ({Credential.Kind})";
}
