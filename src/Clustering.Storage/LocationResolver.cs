using System.Text.RegularExpressions;
using Clustering.Storage.Azure;

namespace Clustering.Storage;

/// <summary>
/// The one place that turns a location a user typed into a store: inputs, outputs, state folders, schedules, stream
/// catalogs and the CLI all ask it. A location is
/// <list type="bullet">
/// <item>a plain path or <c>file:///path</c>: a <see cref="LocalBlobStore"/> on the folder (the path itself when it ends
///   with '/' or is a folder, else its parent, with the file name as the key);</item>
/// <item><c>az://container/path</c>: Azure, the account from <see cref="StorageOptions.ConnectionString"/> or the environment;</item>
/// <item><c>https://account.blob.core.windows.net/container/path[?SAS]</c>, or the path-style emulator form
///   <c>http://127.0.0.1:10000/devstoreaccount1/container/path</c>: Azure, the account from the URL;</item>
/// <item>a location under a mount given to the constructor (a scheme prefix such as <c>mem://</c>): that store, the rest
///   being the key (how tests put a counting store under an input).</item>
/// </list>
/// Any other scheme is refused. Messages name the flag given as <c>what</c> and quote the location without its SAS signature.
/// </summary>
public sealed partial class LocationResolver(StorageOptions? options = null, IReadOnlyDictionary<string, IBlobStore>? mounts = null)
{
    public StorageOptions Options { get; } = options ?? new StorageOptions();

    // A mount is a scheme prefix ("mem://"), so no mounted location is ever taken for a local path.
    private readonly IReadOnlyDictionary<string, IBlobStore> _mounts = mounts?.Keys.FirstOrDefault(k => !UriScheme().IsMatch(k)) is { } bad
        ? throw new ArgumentException($"a mount starts with a scheme such as mem:// (got '{bad}')", nameof(mounts))
        : mounts ?? new Dictionary<string, IBlobStore>();

    /// <summary>The store a location lies in, the root that reopens it, and the key or prefix (ending with '/') inside it.</summary>
    /// <param name="what">The flag or field the location came from (<c>--input</c>), for messages; null: the location alone.</param>
    public StoreLocation Resolve(string location, string? what = null)
    {
        var named = Named(what, location);
        if (string.IsNullOrWhiteSpace(location)) throw new ClusteringException($"{what ?? "location"}: empty location");
        foreach (var (prefix, store) in _mounts)
            if (location.StartsWith(prefix, StringComparison.Ordinal))
                return new StoreLocation(store, prefix, CheckedKey(location[prefix.Length..], named));
        if (AzureLocations.IsBlobUri(location))
        {
            var (store, key) = AzureLocations.Open(location, Options, named);
            return new StoreLocation(store, RootOf(store, location), key);
        }
        var path = LocalPathOf(location) ?? throw new ClusteringException($"{named}: unknown scheme; give a path, az://container/path or an https:// blob URL");
        var full = Path.GetFullPath(path);
        if (path.EndsWith('/') || Directory.Exists(full))
        {
            var folder = new LocalBlobStore(full);
            return new StoreLocation(folder, folder.Root, "");
        }
        var parent = new LocalBlobStore(Path.GetDirectoryName(full) ?? throw new ClusteringException($"{named}: names no file"));
        return new StoreLocation(parent, parent.Root, Path.GetFileName(full));
    }

    /// <summary>
    /// A location as a folder of its own (a job's output, a state folder, a stream catalog): a local folder (created when
    /// missing; an existing file is refused), else the folder's store seen through a <see cref="PrefixedBlobStore"/>,
    /// with or without a trailing '/', so keys are relative to the folder exactly as on disk.
    /// </summary>
    public IBlobStore OpenFolder(string location, string what = "--output")
    {
        if (string.IsNullOrWhiteSpace(location)) throw new ClusteringException($"{what}: a folder or blob URI is required");
        if (LocalPathOf(location) is { } path)
        {
            var full = Path.GetFullPath(path);
            if (File.Exists(full)) throw new ClusteringException($"{what} {location}: is a file; give a folder (it is created when missing)");
            return new LocalBlobStore(full);
        }
        var (store, _, key) = Resolve(location, what);
        return key.Length == 0 ? store : new PrefixedBlobStore(store, key.EndsWith('/') ? key : key + "/");
    }

    /// <summary>Whether the location is in blob storage: <c>az://</c>, <c>http://</c> or <c>https://</c>.</summary>
    public static bool IsBlobUri(string location) => AzureLocations.IsBlobUri(location);

    /// <summary>
    /// The local path a location names (a plain path as written, or the path of a <c>file:///</c> URI); null for a blob
    /// URI or any other scheme. A <c>file://</c> URI naming another host is refused.
    /// </summary>
    public static string? LocalPathOf(string location)
    {
        if (location.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || !uri.IsFile || !string.IsNullOrEmpty(uri.Host) && uri.Host != "localhost")
                throw new ClusteringException($"{SecretRedactor.Redact(location)}: only local file:// URIs (file:///path) are supported");
            return uri.LocalPath + (location.EndsWith('/') && !uri.LocalPath.EndsWith('/') ? "/" : "");
        }
        return UriScheme().IsMatch(location) ? null : location;
    }

    /// <summary>A plain path made absolute (so a job names the same files from any working folder); URIs unchanged.</summary>
    public static string Absolute(string location) => location.Contains("://", StringComparison.Ordinal) ? location : Path.GetFullPath(location);

    /// <summary><paramref name="location"/> with <paramref name="name"/> appended as a folder; a URI's query (a SAS) stays at the end.</summary>
    public static string Child(string location, string name)
    {
        if (!location.Contains("://", StringComparison.Ordinal)) return Path.Combine(location, name);
        var q = location.IndexOf('?', StringComparison.Ordinal);
        var (path, query) = q < 0 ? (location, "") : (location[..q], location[q..]);
        return path.TrimEnd('/') + "/" + name + query;
    }

    /// <summary>
    /// An http(s) URL's query ("?sv=...&amp;sig=...") apart from the rest, so that the '?' of a SAS is never read as a glob
    /// wildcard and the signature never becomes part of a document's name. Anything else has no query.
    /// </summary>
    public static (string Location, string Query) SplitQuery(string location)
    {
        if (!location.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && !location.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            return (location, "");
        var q = location.IndexOf('?');
        return q < 0 ? (location, "") : (location[..q], location[q..]);
    }

    private static string Named(string? what, string location) =>
        what is null ? SecretRedactor.Redact(location) : $"{what} {SecretRedactor.Redact(location)}";

    private static string CheckedKey(string key, string named)
    {
        if (key.EndsWith('/')) BlobKeys.ValidatePrefix(named, key);
        else if (key.Length > 0) BlobKeys.Validate(named, key);
        return key;
    }

    /// <summary>
    /// The container's URL (the store's name: the configured account's endpoint for <c>az://</c>, so one container
    /// named two ways is one root) plus the SAS query when the location carried one, since that query is the credential
    /// that reopens the store. A root is stored in a job's plan, never shown.
    /// </summary>
    private static string RootOf(IBlobStore store, string location)
    {
        var root = store.DisplayName.TrimEnd('/') + "/";
        var query = SplitQuery(location).Query;
        return query.Length > 0 && query.Contains("sig=", StringComparison.OrdinalIgnoreCase) ? root + query : root;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]*://")]
    private static partial Regex UriScheme();
}
