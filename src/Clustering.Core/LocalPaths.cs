namespace Clustering;

/// <summary>
/// Local paths as the kernel resolves them, and the folders a process may touch. `embed-silo --allow-paths` used to
/// compare names only, so a symbolic link inside an allowed folder that pointed outside let a job read and write
/// there. Paths are now resolved through every link (like realpath(3); components that do not exist yet are kept as
/// written) before the allow-list check at submit, and checked again when a store or model loader opens them, which
/// also catches links inside an allowed folder and links changed after the submit.
/// </summary>
public static class LocalPaths
{
    private const int MaxLinks = 40; // Linux's own limit on links followed in one lookup (ELOOP)

    private static volatile string[] s_allowed = [];

    /// <summary>The absolute path with every symbolic link resolved; a missing tail is appended as written.</summary>
    /// <exception cref="ClusteringException">A loop of links (more than 40 followed).</exception>
    public static string Resolve(string path)
    {
        var pending = new Stack<string>();
        // Not Path.GetFullPath: it removes "link/.." by name, where the kernel goes to the link target's parent.
        Push(pending, Path.IsPathRooted(path) ? path : Path.Combine(Directory.GetCurrentDirectory(), path));
        var current = "/";
        var followed = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }
            var candidate = Path.Combine(current, part);
            string? target = null;
            try
            {
                target = new FileInfo(candidate).LinkTarget;
            }
            catch (IOException) { /* not readable as a link: taken as written */ }
            catch (UnauthorizedAccessException) { }
            if (target is null)
            {
                current = candidate;
                continue;
            }
            if (++followed > MaxLinks) throw new ClusteringException($"'{path}': too many levels of symbolic links (a loop?)");
            if (Path.IsPathRooted(target)) current = "/";
            Push(pending, target);
        }
        return current;
    }

    private static void Push(Stack<string> pending, string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }

    /// <summary>Whether <paramref name="resolved"/> (a <see cref="Resolve"/>d path) is one of <paramref name="roots"/> or inside one.</summary>
    public static bool IsInside(string resolved, IEnumerable<string> roots)
    {
        var withSlash = Path.TrimEndingDirectorySeparator(resolved) + "/";
        foreach (var root in roots)
            if (withSlash.StartsWith(Path.TrimEndingDirectorySeparator(root) + "/", StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>
    /// From now on, in this process, local paths opened by stores and model loaders must resolve into these folders
    /// (resolved themselves). Empty: anywhere (embedctl). Set once at start by embed-silo from --allow-paths.
    /// </summary>
    public static void ConfineTo(IEnumerable<string> roots) => s_allowed = roots.Select(Resolve).ToArray();

    /// <summary>The folders set by <see cref="ConfineTo"/>, resolved.</summary>
    public static IReadOnlyList<string> Allowed => s_allowed;

    /// <summary>Throws when <paramref name="path"/> resolves outside the folders of <see cref="ConfineTo"/>.</summary>
    /// <param name="what">What the path is, for the message (a field, a file of a model).</param>
    public static void CheckAllowed(string path, string what)
    {
        var allowed = s_allowed;
        if (allowed.Length == 0) return;
        var resolved = Resolve(path);
        if (!IsInside(resolved, allowed))
            throw new ClusteringException(resolved == Path.GetFullPath(path)
                ? $"{what} '{path}': outside the folders this process allows (--allow-paths)"
                : $"{what} '{path}': resolves through a symbolic link to '{resolved}', outside the folders this process allows (--allow-paths)");
    }

    /// <summary><see cref="CheckAllowed"/> for a folder and everything in it, to <paramref name="depth"/> levels (a model folder).</summary>
    public static void CheckAllowedTree(string folder, string what, int depth = 2)
    {
        if (s_allowed.Length == 0) return;
        CheckAllowed(folder, what);
        if (!Directory.Exists(folder) || depth == 0) return;
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder))
        {
            CheckAllowed(entry, $"{what} file");
            if (Directory.Exists(entry) && new DirectoryInfo(entry).LinkTarget is null) CheckAllowedTree(entry, what, depth - 1);
        }
    }
}
