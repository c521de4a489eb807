namespace Clustering.Tokenizers.Tests;

/// <summary>Paths of the shared Qwen3 tokenizer and the fixtures, found from the repository root.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Clustering.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root (Clustering.sln) not found above " + AppContext.BaseDirectory);
    }

    /// <summary>../shared/models/qwen3-tokenizer (beside the repository; /work/shared on the dev machine).</summary>
    public static string Qwen3Dir
    {
        get
        {
            var beside = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "models", "qwen3-tokenizer"));
            return Directory.Exists(beside) ? beside : "/work/shared/models/qwen3-tokenizer";
        }
    }

    public static string Qwen3Json => Path.Combine(Qwen3Dir, "tokenizer.json");
    public static string Fixtures => Path.Combine(RepoRoot, "tests", "fixtures", "tokenizers");

    private static readonly Lazy<Tokenizer> s_qwen3 = new(() => Tokenizer.Load(Qwen3Json));
    public static Tokenizer Qwen3 => s_qwen3.Value;
}
