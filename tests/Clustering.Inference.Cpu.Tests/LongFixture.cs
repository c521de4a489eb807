using System.Text.Json;

namespace Clustering.Inference.Testing;

/// <summary>
/// The long-document references of tests/fixtures/long (made by tests/fixtures/generate/long_fixtures.py with
/// transformers on the GPU machine): per model, documents of 2k-32k tokens given by a seed, and the last token's final
/// hidden state from transformers in fp32 and in bf16. Shared by the CPU and the CUDA tests (linked into both).
/// </summary>
internal static class LongFixture
{
    public sealed record Document(ulong Seed, int Length, float[] Fp32, float[] Bf16);

    public sealed record Set(string Model, string Source, string WeightsSha256, string Device, string Transformers, IReadOnlyList<Document> Documents);

    /// <summary>tests/fixtures/long, found from the working directory or the binaries upward (the GPU runner starts at the repository root).</summary>
    public static string Folder { get; } = FindFolder();

    public static string PathOf(string model) => Path.Combine(Folder, model + ".json");

    /// <summary>Why the references of <paramref name="model"/> cannot be read, or null when they can.</summary>
    public static string? Missing(string model) =>
        File.Exists(PathOf(model)) ? null : $"{PathOf(model)} is not made yet: run tests/gpu/longdocs.sh on the GPU machine and commit its long/*.json";

    public static Set Load(string model)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(PathOf(model)));
        var root = json.RootElement;
        if (root.GetProperty("ids").GetString() != "splitmix64")
            throw new InvalidDataException($"{PathOf(model)}: ids drawn by '{root.GetProperty("ids").GetString()}', not splitmix64");
        var documents = root.GetProperty("documents").EnumerateArray().Select(d => new Document(
            d.GetProperty("seed").GetUInt64(), d.GetProperty("length").GetInt32(), Floats(d.GetProperty("fp32")), Floats(d.GetProperty("bf16")))).ToList();
        return new Set(root.GetProperty("model").GetString()!, root.GetProperty("source").GetString()!, root.GetProperty("weights_sha256").GetString()!,
            root.GetProperty("device").GetString()!, root.GetProperty("transformers").GetString()!, documents);
    }

    /// <summary>
    /// The document's ids as long_fixtures.py draws them: SplitMix64 from state = seed, one output per id, id = output
    /// mod vocab. Both sides compute it, so the fixture stores a seed instead of 32k ids.
    /// </summary>
    public static int[] Ids(ulong seed, int length, int vocab)
    {
        var ids = new int[length];
        var state = seed;
        for (var i = 0; i < length; i++)
        {
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            ids[i] = (int)(z % (ulong)vocab);
        }
        return ids;
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => e.GetSingle()).ToArray();

    private static string FindFolder()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (Directory.Exists(Path.Combine(dir.FullName, "tests", "fixtures", "models")))
                    return Path.Combine(dir.FullName, "tests", "fixtures", "long");
        throw new InvalidOperationException($"tests/fixtures not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}");
    }
}
