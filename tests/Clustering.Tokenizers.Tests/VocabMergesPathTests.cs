namespace Clustering.Tokenizers.Tests;

/// <summary>vocab.json + merges.txt + tokenizer_config.json (Qwen2Tokenizer semantics) gives tokenizer.json's ids_plain.</summary>
public class VocabMergesPathTests
{
    [Fact]
    public void EveryOracleQwen3Case_HasTheSamePlainIds()
    {
        var tmp = Directory.CreateTempSubdirectory("qwen2files");
        try
        {
            foreach (var f in new[] { "vocab.json", "merges.txt", "tokenizer_config.json" })
                File.Copy(Path.Combine(TestPaths.Qwen3Dir, f), Path.Combine(tmp.FullName, f));
            var slow = Tokenizer.Load(tmp.FullName);
            Assert.Equal(TestPaths.Qwen3.VocabSize, slow.VocabSize);
            var sets = new[] { FixtureSets.CasesPath("qwen3"), Path.Combine(ExtraFixtureTests.Root, "qwen3", "cases.jsonl") }.Where(File.Exists);
            int n = 0;
            foreach (var set in sets)
                foreach (var c in FixtureCase.ReadAll(set))
                {
                    Assert.True(c.IdsPlain.AsSpan().SequenceEqual(slow.Encode(c.Text).Ids), $"case {n} text={FixtureTests.Show(c.Text)}");
                    // Qwen2Tokenizer appends nothing, so with "special tokens" the ids are the plain ones.
                    n++;
                }
            Assert.True(n > 0);
        }
        finally { tmp.Delete(true); }
    }
}
