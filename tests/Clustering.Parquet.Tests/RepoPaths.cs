namespace Clustering.Parquet.Tests;

internal static class RepoPaths
{
    /// <summary>The folder holding Clustering.sln, found by walking up from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    public static string Tools => Path.Combine(Root, "tests", "tools");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Clustering.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"No Clustering.sln above {AppContext.BaseDirectory}.");
    }
}
