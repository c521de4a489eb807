using System.Text.Json;

namespace Clustering.Inference.Cpu.Tests;

/// <summary>Paths of the Hugging Face fixtures (tests/fixtures, ../shared) and their expected.json.</summary>
internal static class Fixtures
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Model(string name) => Path.Combine(RepoRoot, "tests", "fixtures", "models", name);

    public static string SharedTokenizer => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "models", "qwen3-tokenizer"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Clustering.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root (Clustering.sln) not found above " + AppContext.BaseDirectory);
    }

    public sealed record Expected(int[][] Inputs, float[] HiddenLayer1, float[][] Pooled, float[][] Embeddings);

    public static Expected Load(string name)
    {
        var dir = Model(name);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "expected.json")));
        var root = doc.RootElement;
        var inputs = root.GetProperty("inputs").EnumerateArray().Select(a => a.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();
        var hiddenBytes = File.ReadAllBytes(Path.Combine(dir, root.GetProperty("hidden_layer1").GetString()!));
        var hidden = new float[hiddenBytes.Length / 4];
        Buffer.BlockCopy(hiddenBytes, 0, hidden, 0, hiddenBytes.Length);
        return new Expected(inputs, hidden, Floats(root.GetProperty("pooled")), Floats(root.GetProperty("embeddings")));
    }

    public static float[][] Floats(JsonElement rows) =>
        rows.EnumerateArray().Select(a => a.EnumerateArray().Select(e => e.GetSingle()).ToArray()).ToArray();
}
