namespace Clustering.Tokenizers.Tests;

/// <summary>Bad tokenizer files are refused at load with the file, the JSON path and the reason.</summary>
public class LoaderErrorTests
{
    private const string Minimal = """
        {"normalizer": NORMALIZER, "pre_tokenizer": PRE, "post_processor": null, "decoder": null, "added_tokens": [],
         "model": {"type": "MODEL", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [MERGES]}}
        """;

    private static string Write(string json)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("tokjson").FullName, "tokenizer.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static string Make(string normalizer = "null", string pre = "null", string model = "BPE", string merges = "\"a b\"") =>
        Minimal.Replace("NORMALIZER", normalizer).Replace("PRE", pre).Replace("MODEL", model).Replace("MERGES", merges);

    [Fact]
    public void MinimalFile_Loads()
    {
        var t = Tokenizer.Load(Write(Make()));
        Assert.Equal(new[] { 2, 0 }, t.Encode("aba").Ids);
    }

    [Fact]
    public void UnsupportedNormalizer_NamesTypeAndPath()
    {
        var path = Write(Make(normalizer: """{"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "ByteLevel"}]}"""));
        var e = Assert.Throws<InputFormatException>(() => Tokenizer.Load(path));
        Assert.Equal(path, e.Input);
        Assert.Equal("$.normalizer.normalizers[1].type", e.Position);
        Assert.Contains("unsupported normalizer type \"ByteLevel\"", e.Message);
    }

    [Theory]
    [InlineData("", "not a SentencePiece charsmap: 0 bytes, shorter than the 4-byte trie size")]
    [InlineData("not base64!", "not valid base64")]
    [InlineData("/////wAAAAA=", "not a SentencePiece charsmap: the trie size 4294967295 is over the 4 bytes that follow it")]
    [InlineData("BAAAAAAAAAD/", "not a SentencePiece charsmap: the replacement strings are not valid UTF-8")]
    public void BadPrecompiledCharsmap_NamesFieldAndReason(string charsmap, string reason)
    {
        var path = Write(Make(normalizer: $$"""{"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Precompiled", "precompiled_charsmap": "{{charsmap}}"}]}"""));
        var e = Assert.Throws<InputFormatException>(() => Tokenizer.Load(path));
        Assert.Equal("$.normalizer.normalizers[1].precompiled_charsmap", e.Position);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void UnsupportedPreTokenizer_NamesTypeAndPath()
    {
        var e = Assert.Throws<InputFormatException>(() => Tokenizer.Load(Write(Make(pre: """{"type": "Sequence", "pretokenizers": [{"type": "Whitespace"}, {"type": "UnicodeScripts"}]}"""))));
        Assert.Equal("$.pre_tokenizer.pretokenizers[1].type", e.Position);
        Assert.Contains("unsupported pre-tokenizer type \"UnicodeScripts\"", e.Message);
    }

    [Fact]
    public void PreTokenizerAfterByteLevel_IsRefused()
    {
        var e = Assert.Throws<InputFormatException>(() => Tokenizer.Load(Write(Make(pre: """{"type": "Sequence", "pretokenizers": [{"type": "ByteLevel"}, {"type": "Whitespace"}]}"""))));
        Assert.Equal("$.pre_tokenizer.pretokenizers[1]", e.Position);
        Assert.Contains("after ByteLevel", e.Message);
    }

    [Fact]
    public void UnsupportedModel_NamesType()
    {
        var e = Assert.Throws<InputFormatException>(() => Tokenizer.Load(Write(Make(model: "WordLevel"))));
        Assert.Equal("$.model.type", e.Position);
        Assert.Contains("unsupported model type \"WordLevel\"", e.Message);
    }

    [Fact]
    public void MergeOfUnknownToken_NamesTheMerge()
    {
        var e = Assert.Throws<InputFormatException>(() => Tokenizer.Load(Write(Make(merges: "[\"a\", \"c\"]"))));
        Assert.Equal("$.model.merges", e.Position);
        Assert.Contains("merge 0 (\"a c\"): \"c\" is not in the vocabulary", e.Message);
    }

    [Fact]
    public void BadMergeShape_NamesTheElement()
    {
        var e = Assert.Throws<InputFormatException>(() => Tokenizer.Load(Write(Make(merges: "[\"a\", \"b\", \"c\"]"))));
        Assert.Equal("$.model.merges[0]", e.Position);
    }

    [Fact]
    public void TruncatedFile_NamesFileAndPosition()
    {
        var full = File.ReadAllText(TestPaths.Qwen3Json);
        var path = Write(full[..(full.Length / 2)]);
        var e = Assert.Throws<InputFormatException>(() => Tokenizer.Load(path));
        Assert.Equal(path, e.Input);
        Assert.StartsWith("line ", e.Position);
        Assert.Matches("^not valid JSON: it ends inside (an object or array|a string) \\(truncated\\?\\)$", e.Reason);
    }

    [Fact]
    public void MissingField_IsNamed()
    {
        var e = Assert.Throws<InputFormatException>(() => Tokenizer.Load(Write("""{"model": {"type": "BPE", "vocab": {}}}""")));
        Assert.Equal("$.model", e.Position);
        Assert.Contains("required field \"merges\" is missing", e.Message);
    }

    [Fact]
    public void MissingPath_AndEmptyDirectory_AreNamed()
    {
        Assert.Contains("no such file or directory", Assert.Throws<InputFormatException>(() => Tokenizer.Load("/nonexistent/tok.json")).Message);
        var dir = Directory.CreateTempSubdirectory("emptytok").FullName;
        Assert.Contains("no tokenizer.json, no vocab.json + merges.txt and no vocab.txt", Assert.Throws<InputFormatException>(() => Tokenizer.Load(dir)).Message);
    }
}
