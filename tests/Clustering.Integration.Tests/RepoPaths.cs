namespace Clustering.Integration.Tests;

/// <summary>
/// Where the built programs and fixtures are: the repository root is the folder above the test's output holding
/// Clustering.sln; embed-silo and embedctl are taken from their own output folders in the same Configuration the
/// tests were built in (the test project references both, so they are built first).
/// </summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the folder name two levels above the test assembly (bin/CONFIG/net10.0).</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string Silo => Program("silos/Clustering.Silo", "embed-silo");
    public static string Cli => Program("clients/Clustering.Cli", "embedctl");

    public static string TinyModel => Path.Combine(Root, "tests", "fixtures", "models", "tiny-qwen3-embedding");
    public static string NodeTools => Path.Combine(Root, "tests", "tools");

    private static string Program(string project, string name)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", name);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing: build {project} in {Configuration} first", path);
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Clustering.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Clustering.sln above {AppContext.BaseDirectory}");
    }
}
