using System.Text.Json;
using System.Text.Json.Serialization;

namespace Clustering.Tokenizers.Tests;

/// <summary>One line of tests/fixtures/tokenizers/&lt;name&gt;/cases.jsonl (written by Hugging Face tokenizers; see fixtures.md).</summary>
public sealed record FixtureCase(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("ids")] int[] Ids,
    [property: JsonPropertyName("ids_plain")] int[] IdsPlain,
    [property: JsonPropertyName("ids_max16")] int[] IdsMax16,
    [property: JsonPropertyName("ids_max512")] int[] IdsMax512,
    [property: JsonPropertyName("decoded")] string Decoded,
    [property: JsonPropertyName("decoded_skip")] string DecodedSkip)
{
    public static List<FixtureCase> ReadAll(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<FixtureCase>(l)!).ToList();
}

/// <summary>Where fixture sets live: tests/fixtures/tokenizers, or CLUSTERING_TOKENIZER_FIXTURES (a folder of the same layout).</summary>
internal static class FixtureSets
{
    public static string Root => Environment.GetEnvironmentVariable("CLUSTERING_TOKENIZER_FIXTURES") is { Length: > 0 } env ? env : TestPaths.Fixtures;

    public static string CasesPath(string name) => Path.Combine(Root, name, "cases.jsonl");

    /// <summary>qwen3 uses the shared tokenizer; the others carry their own tokenizer.json.</summary>
    public static string TokenizerPath(string name) => name == "qwen3" ? TestPaths.Qwen3Json : Path.Combine(Root, name, "tokenizer.json");
}
