using Clustering.Storage;
using Clustering.Storage.Azure;

namespace Clustering.Corpus;

/// <summary>
/// The stores inputs live in, opened by the <see cref="LocationResolver"/> with the rules of inputs on top: a local
/// input must exist (a typo is an error, and no folder is created for it), and a planned local folder that vanished is
/// an error, not an empty store. Stores are cached by root, so every input of one folder shares one store.
/// Thread-safe (the cache is a concurrent dictionary).
/// </summary>
public sealed class InputStores(LocationResolver? resolver = null)
{
    private readonly LocationResolver _resolver = resolver ?? new LocationResolver();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IBlobStore> _byRoot = new(StringComparer.Ordinal);

    /// <summary>The store, root and key prefix an <c>--input</c> argument names. A local path must exist.</summary>
    public StoreLocation Locate(string argument)
    {
        var location = LocationResolver.LocalPathOf(argument) is { } path
            ? _resolver.Resolve(ExistingPath(argument, path), "--input")
            : _resolver.Resolve(argument, "--input");
        _byRoot.TryAdd(location.Root, location.Store);
        return location;
    }

    /// <summary>The store behind a plan's <see cref="CorpusInput.Root"/>.</summary>
    public IBlobStore Open(string root) => _byRoot.GetOrAdd(root, static (r, self) => self.Create(r), this);

    private IBlobStore Create(string root)
    {
        // LocalBlobStore creates its root; a planned folder that vanished must be an error, not an empty store.
        if (LocationResolver.LocalPathOf(root) is { } path && !Directory.Exists(path))
            throw new ClusteringException($"input folder '{root}' does not exist");
        return _resolver.Resolve(root).Store;
    }

    /// <summary>The absolute path of an existing file or folder, without a trailing separator (so a file is never taken for a folder).</summary>
    private static string ExistingPath(string argument, string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path.Length == 0 ? "." : path));
        if (Directory.Exists(full) || File.Exists(full)) return full;
        throw new ClusteringException($"--input '{SecretRedactor.Redact(argument)}': no such file or folder");
    }

    /// <summary>One string per physical object, to drop an input named twice (by a folder and by a file, say).</summary>
    internal static string IdentityOf(string root, string key) => root.TrimEnd('/') + "/" + key;
}
