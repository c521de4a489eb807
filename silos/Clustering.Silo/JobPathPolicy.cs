using Clustering.Storage;

namespace Clustering.Silo;

/// <summary>
/// Checks the paths a submitted job or schedule names (inputs, model, output) against --allow-paths. Paths must be
/// absolute (a silo cannot know the submitter's working folder) and are resolved through every symbolic link and
/// `..` (<see cref="LocalPaths.Resolve"/>) before they are compared, as are the allowed folders: a link inside an
/// allowed folder that points outside is refused with 400 naming the field. A glob is judged by its fixed part.
/// Workers check again when they open each file (<see cref="LocalPaths.CheckAllowed"/>), which covers links inside
/// an allowed input folder and links changed after the submit. Blob URIs are not local paths and pass (the
/// storage layer's credentials decide those); file:// URIs are checked as the paths they name.
/// </summary>
public sealed class JobPathPolicy(IReadOnlyList<string> allowedRoots)
{
    public const int MaxInputs = 10_000;
    public const int MaxPathChars = 4096;

    private readonly string[] _roots = allowedRoots.Select(LocalPaths.Resolve).ToArray();

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
        // A blob URI is no local path: the storage layer's credentials decide it. A file:// URI is one, and is checked.
        if (LocationResolver.LocalPathOf(path) is not { } local) return;
        if (!Path.IsPathFullyQualified(local))
            throw new ClusteringException($"{field} '{path}': the silo resolves paths on its own machine, so give an absolute path");
        if (_roots.Length == 0) return;
        var resolved = LocalPaths.Resolve(FixedPart(local));
        if (LocalPaths.IsInside(resolved, _roots)) return;
        throw new ClusteringException(resolved == Path.TrimEndingDirectorySeparator(Path.GetFullPath(FixedPart(local)))
            ? $"{field} '{path}': outside the folders this silo allows (--allow-paths)"
            : $"{field} '{path}': resolves through a symbolic link to '{resolved}', outside the folders this silo allows (--allow-paths)");
    }

    /// <summary>The folders before a glob's first wildcard: what the glob can reach is under it.</summary>
    private static string FixedPart(string path)
    {
        var wild = path.IndexOfAny(['*', '?', '[', '{']);
        if (wild < 0) return path;
        var slash = path.LastIndexOf('/', wild);
        return slash <= 0 ? "/" : path[..slash];
    }
}
