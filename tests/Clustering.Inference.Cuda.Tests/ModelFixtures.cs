using System.Text.Json;

namespace Clustering.Inference.Cuda.Tests;

/// <summary>
/// The Hugging Face fixtures (tests/fixtures/models). Found from the working directory or the binaries upward,
/// so the self-contained runner on the GPU machine, started from the repository root, finds them too.
/// </summary>
internal static class ModelFixtures
{
    public static string[] Names { get; } = ["qwen3-gqa1-f32", "qwen3-gqa2-bf16-sharded", "qwen3-gqa4-bf16"];

    public static string Root { get; } = FindRoot();

    public static string Model(string name) => Path.Combine(Root, name);

    public sealed record Expected(int[][] Inputs, float[][] Embeddings);

    public static Expected Load(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Model(name), "expected.json")));
        var root = doc.RootElement;
        var inputs = root.GetProperty("inputs").EnumerateArray().Select(a => a.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();
        var embeddings = root.GetProperty("embeddings").EnumerateArray().Select(a => a.EnumerateArray().Select(e => e.GetSingle()).ToArray()).ToArray();
        return new Expected(inputs, embeddings);
    }

    public sealed record RealVocabCase(int[] Ids, int? Dimensions, float[] Embedding);

    public static List<RealVocabCase> LoadRealVocab()
    {
        var cases = new List<RealVocabCase>();
        foreach (var line in File.ReadLines(Path.Combine(Model("qwen3-realvocab-tiny"), "expected.jsonl")))
        {
            if (line.Length == 0) continue;
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            var dims = r.GetProperty("dimensions");
            cases.Add(new RealVocabCase(
                r.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                dims.ValueKind == JsonValueKind.Null ? null : dims.GetInt32(),
                r.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray()));
        }
        return cases;
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "fixtures", "models");
                if (Directory.Exists(candidate)) return candidate;
            }
        throw new InvalidOperationException($"tests/fixtures/models not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}");
    }
}
