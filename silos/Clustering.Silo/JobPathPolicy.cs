namespace Clustering.Silo;

/// <summary>
/// Checks the paths a submitted job names (inputs, model, output) against --allow-paths. Paths are made absolute
/// and normalized first (relative paths are refused: a silo cannot know the submitter's working folder), so "allowed/../etc" is judged as "/etc". Blob URIs (scheme://) are not local paths and
/// pass; the storage layer's credentials decide those.
/// </summary>
public sealed class JobPathPolicy(IReadOnlyList<string> allowedRoots)
{
    public const int MaxInputs = 10_000;
    public const int MaxPathChars = 4096;

    private readonly string[] _roots = allowedRoots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r)) + Path.DirectorySeparatorChar).ToArray();

    /// <summary>Throws <see cref="ClusteringException"/> naming the field and the path when one is refused.</summary>
    public void Check(JobSpec spec)
    {
        if (spec.Inputs.Count > MaxInputs) throw new ClusteringException($"inputs: at most {MaxInputs} entries (got {spec.Inputs.Count}); use a folder or a glob");
        for (var i = 0; i < spec.Inputs.Count; i++) CheckOne($"inputs[{i}]", spec.Inputs[i]);
        CheckOne("model", spec.Model);
        CheckOne("output", spec.Output);
    }

    private void CheckOne(string field, string? path)
    {
        if (string.IsNullOrEmpty(path)) return; // JobSpec.Validate names missing fields
        if (path.Length > MaxPathChars) throw new ClusteringException($"{field}: longer than {MaxPathChars} characters");
        if (path.Contains('\0') || path.Any(char.IsControl)) throw new ClusteringException($"{field}: contains control characters");
        if (path.Contains("://", StringComparison.Ordinal)) return;
        if (!Path.IsPathFullyQualified(path))
            throw new ClusteringException($"{field} '{path}': the silo resolves paths on its own machine, so give an absolute path");
        if (_roots.Length == 0) return;
        var full = Path.GetFullPath(path);
        // A glob's fixed prefix is what matters; the wildcard part cannot climb out with '..' after normalization.
        var withSlash = Path.TrimEndingDirectorySeparator(full) + Path.DirectorySeparatorChar;
        foreach (var root in _roots)
            if (withSlash.StartsWith(root, StringComparison.Ordinal)) return;
        throw new ClusteringException($"{field} '{path}': outside the folders this silo allows (--allow-paths)");
    }
}
