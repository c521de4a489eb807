namespace Clustering.Storage.Tests.Support;

/// <summary>The repository root: the first folder above the test binaries that holds Clustering.sln.</summary>
internal static class RepoRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Clustering.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Clustering.sln above {AppContext.BaseDirectory}");
    }
}
