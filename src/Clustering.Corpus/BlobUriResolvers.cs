using Clustering.Storage;

namespace Clustering.Corpus;

/// <summary>
/// The <see cref="BlobUriResolver"/> for Azure Blob Storage: <c>az://container/path</c>,
/// <c>https://account.blob.core.windows.net/container/path[?SAS]</c> and the path-style emulator form, opened by
/// <see cref="BlobLocations.Open"/> (credentials from <see cref="StorageOptions"/> or the environment, as the Storage
/// README says).
/// </summary>
public static class BlobUriResolvers
{
    public static BlobUriResolver Azure(StorageOptions? options = null) => argument =>
    {
        if (!IsBlobUri(argument)) return null;
        var (store, key) = BlobLocations.Open(argument, options);
        return new BlobLocation(store, RootOf(store, argument), key);
    };

    /// <summary><c>az://</c>, <c>http://</c> or <c>https://</c>.</summary>
    public static bool IsBlobUri(string argument) =>
        argument.StartsWith("az://", StringComparison.OrdinalIgnoreCase)
        || argument.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        || argument.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The container's URL (the store's name: the configured account's endpoint for <c>az://</c>, so one container
    /// named two ways is one root) plus the SAS query when the argument carried one, since that query is the credential
    /// that reopens the store. A root is stored in the job's plan, never shown.
    /// </summary>
    private static string RootOf(IBlobStore store, string argument)
    {
        var root = store.DisplayName.TrimEnd('/') + "/";
        var query = SplitQuery(argument).Query;
        return query.Length > 0 && query.Contains("sig=", StringComparison.OrdinalIgnoreCase) ? root + query : root;
    }

    /// <summary>
    /// An http(s) URL's query ("?sv=...&amp;sig=...") apart from the rest, so that the '?' of a SAS is never read as a glob
    /// wildcard and the signature never becomes part of a document's name. Anything else has no query.
    /// </summary>
    public static (string Location, string Query) SplitQuery(string argument)
    {
        if (!argument.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && !argument.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            return (argument, "");
        var q = argument.IndexOf('?');
        return q < 0 ? (argument, "") : (argument[..q], argument[q..]);
    }
}
