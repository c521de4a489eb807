using System.Text.RegularExpressions;
using Clustering.Storage;
using Clustering.Storage.Azure;

namespace Clustering.Corpus;

/// <summary>
/// Opens the stores that inputs live in: URI arguments through the registered <see cref="BlobUriResolver"/>s (<see cref="BlobUriResolvers.Azure"/>
/// for blob URIs), anything else as a local path through <see cref="LocalBlobStore"/>. Stores are cached by root,
/// so every input of one folder shares one store. Thread-safe (the cache is a concurrent dictionary).
/// </summary>
public sealed partial class InputStores
{
    private readonly IReadOnlyList<BlobUriResolver> _resolvers;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IBlobStore> _byRoot = new(StringComparer.Ordinal);

    public InputStores(params IReadOnlyList<BlobUriResolver> resolvers) => _resolvers = resolvers;

    /// <summary>The store, root and key prefix an argument names. A local path must exist.</summary>
    public BlobLocation Locate(string argument)
    {
        foreach (var resolve in _resolvers)
            if (resolve(argument) is { } location)
            {
                _byRoot.TryAdd(location.Root, location.Store);
                return location;
            }
        if (UriScheme().IsMatch(argument))
            throw new ClusteringException($"--input '{SecretRedactor.Redact(argument)}': no store is configured for this URI scheme");

        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(argument.Length == 0 ? "." : argument));
        if (Directory.Exists(full)) return new BlobLocation(Open(full), full, "");
        if (File.Exists(full))
        {
            var folder = Path.GetDirectoryName(full)!;
            return new BlobLocation(Open(folder), folder, Path.GetFileName(full));
        }
        throw new ClusteringException($"--input '{argument}': no such file or folder");
    }

    /// <summary>The store behind a plan's <see cref="CorpusInput.Root"/>.</summary>
    public IBlobStore Open(string root) => _byRoot.GetOrAdd(root, static (r, self) => self.Create(r), this);

    private IBlobStore Create(string root)
    {
        foreach (var resolve in _resolvers)
            if (resolve(root) is { } location)
                return location.Store;
        // LocalBlobStore creates its root; a planned folder that vanished must be an error, not an empty store.
        if (!Directory.Exists(root))
            throw new ClusteringException($"input folder '{root}' does not exist");
        return new LocalBlobStore(root);
    }

    /// <summary>One string per physical object, to drop an input named twice (by a folder and by a file, say).</summary>
    internal static string IdentityOf(string root, string key) => root.TrimEnd('/') + "/" + key;

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]*://")]
    private static partial Regex UriScheme();
}
