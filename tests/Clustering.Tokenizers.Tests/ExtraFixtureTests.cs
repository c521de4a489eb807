using Xunit.Abstractions;

namespace Clustering.Tokenizers.Tests;

/// <summary>
/// Every fixture set (a folder with tokenizer.json + cases.jsonl) under Oracle/ in this project — small tokenizers
/// covering the other components, generated with Hugging Face tokenizers 0.23.2 (see Oracle/README.md).
/// </summary>
public class ExtraFixtureTests(ITestOutputHelper output)
{
    public static string Root => Environment.GetEnvironmentVariable("CLUSTERING_TOKENIZER_EXTRA_FIXTURES") is { Length: > 0 } env
        ? env : Path.Combine(TestPaths.RepoRoot, "tests", "Clustering.Tokenizers.Tests", "Oracle");

    public static TheoryData<string> Sets()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Root).Order(StringComparer.Ordinal))
            if (File.Exists(Path.Combine(dir, "cases.jsonl"))) data.Add(Path.GetFileName(dir));
        return data;
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void EveryCase_EqualsHuggingFace(string set)
    {
        var dir = Path.Combine(Root, set);
        var tokenizer = set == "qwen3" ? TestPaths.Qwen3 : Tokenizer.Load(Path.Combine(dir, "tokenizer.json"));
        var all = FixtureCase.ReadAll(Path.Combine(dir, "cases.jsonl"));
        var mismatches = FixtureTests.Compare(tokenizer, all);
        output.WriteLine($"{set}: {all.Count} cases, {mismatches.Count} mismatching fields");
        Assert.True(mismatches.Count == 0, $"{set}: {mismatches.Count} mismatches; first ones:\n" + string.Join("\n", mismatches.Take(8)));
    }
}
