namespace Clustering.Tokenizers.Tests;

/// <summary>The ids written in ../shared/models/qwen3-tokenizer/SOURCE.md (checked there with Hugging Face).</summary>
public class Qwen3KnownIdsTests
{
    [Theory]
    [InlineData("Hello world", new[] { 9707, 1879, 151643 })]
    [InlineData(" Hello world", new[] { 21927, 1879, 151643 })]
    [InlineData("test", new[] { 1944, 151643 })]
    public void Encode_WithSpecialTokens_MatchesSourceMd(string text, int[] expected)
    {
        Assert.Equal(expected, TestPaths.Qwen3.Encode(text).Ids);
    }

    [Theory]
    [InlineData("test", new[] { 1944 })]
    [InlineData("test again", new[] { 1944, 1549 })]
    [InlineData("Hello world", new[] { 9707, 1879 })]
    public void Encode_WithoutSpecialTokens_MatchesSourceMd(string text, int[] expected)
    {
        Assert.Equal(expected, TestPaths.Qwen3.Encode(text, addSpecialTokens: false).Ids);
    }

    [Fact]
    public void VocabSize_CountsAddedTokens()
    {
        Assert.Equal(151669, TestPaths.Qwen3.VocabSize);
        Assert.Equal(151643, TestPaths.Qwen3.TokenToId("<|endoftext|>"));
        Assert.Equal("<think>", TestPaths.Qwen3.IdToToken(151667));
        Assert.Equal(9707, TestPaths.Qwen3.TokenToId("Hello"));
    }

    [Fact]
    public void Decode_RoundTripsAndSkipsSpecialTokens()
    {
        var ids = TestPaths.Qwen3.Encode("Hello world").Ids;
        Assert.Equal("Hello world<|endoftext|>", TestPaths.Qwen3.Decode(ids));
        Assert.Equal("Hello world", TestPaths.Qwen3.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void VocabAndMergesDirectory_GivesThePlainIdsWithoutEndOfText()
    {
        var tmp = Directory.CreateTempSubdirectory("qwen2tok");
        try
        {
            foreach (var f in new[] { "vocab.json", "merges.txt", "tokenizer_config.json" })
                File.Copy(Path.Combine(TestPaths.Qwen3Dir, f), Path.Combine(tmp.FullName, f));
            var slow = Tokenizer.Load(tmp.FullName);
            Assert.Equal(new[] { 9707, 1879 }, slow.Encode("Hello world").Ids);
            Assert.Equal(new[] { 1944, 1549 }, slow.Encode("test again").Ids);
        }
        finally { tmp.Delete(true); }
    }
}
