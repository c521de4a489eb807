using System.Security.Cryptography;
using System.Text;
using Clustering.Corpus;
using Clustering.Jobs;
using Clustering.Pipeline;
using Clustering.Storage;

namespace Clustering.Hosting;

/// <summary>
/// Where a job's output may go and where embedded mode keeps its state for it. Which store a location opens is the
/// <see cref="LocationResolver"/>'s business; this is only what jobs add on top.
/// </summary>
public static class OutputPlacement
{
    /// <summary>
    /// Refuses a local output that overlaps a local input: output inside an input folder (the next run would read its
    /// own Parquet parts as input) or an input inside the output (publishing removes what the manifest does not name).
    /// </summary>
    public static void CheckApart(JobSpec spec)
    {
        if (LocationResolver.LocalPathOf(spec.Output) is not { } outputPath) return;
        var output = WithSlash(Path.GetFullPath(outputPath));
        foreach (var input in spec.Inputs)
        {
            if (LocationResolver.LocalPathOf(input) is not { } inputPath) continue;
            var (literal, _) = InputResolver.SplitGlob(inputPath);
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
