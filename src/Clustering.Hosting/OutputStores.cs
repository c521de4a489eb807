using System.Security.Cryptography;
using System.Text;
using Clustering.Corpus;
using Clustering.Jobs;
using Clustering.Pipeline;
using Clustering.Storage;
using Clustering.Storage.Azure;

namespace Clustering.Hosting;

/// <summary>
/// The one place that maps a job's output location to the store its objects go to. A local folder (a path or
/// <c>file:///</c>) is a <see cref="LocalBlobStore"/> on that folder. A blob URI (<c>az://container/path</c>,
/// <c>https://account.blob.core.windows.net/container/path[?SAS]</c>, the path-style emulator form) names a folder in a
/// container, with or without a trailing '/': the container's store seen through a <see cref="PrefixedBlobStore"/>, so
/// the pipeline writes and lists keys relative to the job's folder exactly as it does on disk.
/// </summary>
public static class OutputStores
{
    public static IBlobStore Open(string output, StorageOptions? storage = null)
    {
        if (string.IsNullOrWhiteSpace(output)) throw new ClusteringException("--output: an output folder or blob URI is required");
        if (!BlobUriResolvers.IsBlobUri(output))
        {
            if (output.Contains("://", StringComparison.Ordinal) && !output.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
                throw new ClusteringException($"--output '{SecretRedactor.Redact(output)}': unknown scheme; give a folder, az://container/path or an https:// blob URL");
            var path = output.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? new Uri(output).LocalPath : output;
            var full = Path.GetFullPath(path);
            if (File.Exists(full)) throw new ClusteringException($"--output {output}: is a file; give a folder (it is created when missing)");
            return new LocalBlobStore(full);
        }
        var (store, key) = BlobLocations.Open(output, storage);
        return key.Length == 0 ? store : new PrefixedBlobStore(store, key.EndsWith('/') ? key : key + "/");
    }

    /// <summary>
    /// Refuses a local output that overlaps a local input: output inside an input folder (the next run would read its
    /// own Parquet parts as input) or an input inside the output (publishing removes what the manifest does not name).
    /// </summary>
    public static void CheckApart(JobSpec spec)
    {
        if (BlobUriResolvers.IsBlobUri(spec.Output) || spec.Output.Contains("://", StringComparison.Ordinal)) return;
        var output = WithSlash(Path.GetFullPath(spec.Output));
        foreach (var input in spec.Inputs)
        {
            if (input.Contains("://", StringComparison.Ordinal)) continue;
            var (literal, _) = InputResolver.SplitGlob(input);
            var folder = WithSlash(Path.GetFullPath(literal.Length == 0 ? "." : literal));
            if (output.StartsWith(folder, StringComparison.Ordinal))
                throw new ClusteringException($"--output {spec.Output}: is inside --input {input}; a later run would read its own output as input");
            if (folder.StartsWith(output, StringComparison.Ordinal))
                throw new ClusteringException($"--input {input}: is inside --output {spec.Output}; publishing removes files the manifest does not name");
        }
    }

    private static string WithSlash(string path) => Path.TrimEndingDirectorySeparator(path) + Path.DirectorySeparatorChar;

    /// <summary>
    /// Where embedded mode keeps its SQLite store and lock for an output: <c>OUTPUT/_state/</c> for a local folder;
    /// for a blob output, <c>$XDG_CACHE_HOME/clustering/state/&lt;sha256&gt;/</c> (default <c>~/.cache</c>), the hash
    /// being of the opened store's name: the output's URL without credentials or query, so a renewed SAS token, or
    /// <c>az://</c> versus the https form of the same folder, finds the same state.
    /// </summary>
    public static string DefaultStateFolder(IBlobStore output)
    {
        if (output is LocalBlobStore local) return Path.Combine(local.Root, OutputLayout.StateFolder.TrimEnd('/'));
        var identity = output.DisplayName.TrimEnd('/');
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)));
        return Path.Combine(CacheHome(), "clustering", "state", hash);
    }

    private static string CacheHome()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)) return xdg;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home)) throw new ClusteringException("no home folder to keep embedded state in; give --state DIR");
        return Path.Combine(home, ".cache");
    }
}
