using Clustering.Tokenizers.Models;
using Clustering.Tokenizers.PreTokenization;
using Clustering.Tokenizers.Unicode;

namespace Clustering.Tokenizers.Tests;

/// <summary>Single components against behaviour written down by Hugging Face / Unicode (values from Python's unicodedata).</summary>
public class ComponentTests
{
    private static List<string> Split(SplitPattern pattern, string text)
    {
        var matches = new List<(int, int)>();
        pattern.FindMatches(text, matches);
        return matches.Select(m => text[m.Item1..m.Item2]).ToList();
    }

    [Fact]
    public void QwenPattern_TreatsAstralLettersAsLetters()
    {
        // 𝒜 (U+1D49C, Lu) and 𠀀 (U+20000, Lo) are surrogate pairs in UTF-16 but letters to Oniguruma.
        Assert.Equal(new[] { "𝒜𝒷c", " 𠀀𠀁", " x" }, Split(new QwenPattern(), "𝒜𝒷c 𠀀𠀁 x"));
        Assert.Equal(new[] { "😀", " 😀", "a" }, Split(new QwenPattern(), "😀 😀a"));
    }

    [Fact]
    public void QwenPattern_ContractionsWhitespaceAndNumbers()
    {
        Assert.Equal(new[] { "I", "'M", " you", "'re", " x", "'ſ" }, Split(new QwenPattern(), "I'M you're x'ſ"));
        Assert.Equal(new[] { "1", "2", "3", " ", "4" }, Split(new QwenPattern(), "123 4"));
        Assert.Equal(new[] { "a", "  ", " b", " \n\n", " ", " c" }, Split(new QwenPattern(), "a   b \n\n  c"));
        Assert.Equal(new[] { "x", " ...\r\n", "y", "  " }, Split(new QwenPattern(), "x ...\r\ny  "));
        Assert.Equal(new[] { "\u00a0word" }, Split(new QwenPattern(), "\u00a0word"));
        Assert.Equal(new[] { "123", "4" }, Split(new QwenPattern(maxDigits: 3), "1234"));
    }

    [Fact]
    public void Gpt2Pattern_MatchesTheGpt2Regex()
    {
        Assert.Equal(new[] { "Hello", "'s", " world", " 123", "!!", "  ", " x" }, Split(new Gpt2Pattern(), "Hello's world 123!!   x"));
        Assert.Equal(new[] { " 𝒜𝒷" }, Split(new Gpt2Pattern(), " 𝒜𝒷"));
    }

    [Theory]
    [InlineData("e\u0301", 'C', "\u00e9")]
    [InlineData("\u00e9", 'D', "e\u0301")]
    [InlineData("\ufb01", 'c', "fi")]
    [InlineData("\u1e9b\u0323", 'C', "\u1e9b\u0323")]
    [InlineData("\u1e9b\u0323", 'c', "\u1e69")]
    [InlineData("\u1e9b\u0323", 'd', "s\u0323\u0307")]
    [InlineData("\uac00\u11a8", 'C', "\uac01")]
    [InlineData("\uac01", 'D', "\u1100\u1161\u11a8")]
    [InlineData("a\u0308\u0323", 'C', "\u1ea1\u0308")]
    [InlineData("\u2126", 'C', "\u03a9")]
    public void UnicodeNormalizer_MatchesUnicodeData(string input, char form, string expected)
    {
        // form: C, D, c = KC, d = KD
        var f = form switch { 'C' => UnicodeForm.C, 'D' => UnicodeForm.D, 'c' => UnicodeForm.KC, _ => UnicodeForm.KD };
        Assert.Equal(expected, UnicodeNormalizer.Normalize(input, f));
    }

    [Fact]
    public void NormalizedText_IsReturnedWithoutCopy()
    {
        const string text = "plain ascii and 日本語";
        Assert.Same(text, UnicodeNormalizer.Normalize(text, UnicodeForm.C));
    }

    /// <summary>The text normalized by the full algorithm (decompose, reorder, recompose), whatever the quick check says.</summary>
    private static string FullNormalize(string text, UnicodeForm form)
    {
        int lead = 0;
        return UnicodeNormalizer.NormalizeConservative(text, form, ref lead);
    }

    private static string FullNfc(string text) => FullNormalize(text, UnicodeForm.C);

    [Theory]
    [InlineData("C")]
    [InlineData("D")]
    [InlineData("KC")]
    [InlineData("KD")]
    public void QuickCheck_NeverPassesTextTheFullAlgorithmChanges_SingleCodePoints(string formName)
    {
        var form = Enum.Parse<UnicodeForm>(formName);
        // Every code point alone, after a starter and before a combining mark: a "yes" must mean the form leaves it as is.
        var tables = UnicodeTables.Instance;
        int yes = 0;
        for (int c = 0; c <= 0x10FFFF; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF) continue;
            string cp = char.ConvertFromUtf32(c);
            foreach (var text in new[] { cp, "a" + cp, cp + "\u0301", "\u00ea" + cp })
            {
                if (!UnicodeNormalizer.IsQuickCheckYes(text, form, tables)) continue;
                yes++;
                Assert.True(text == FullNormalize(text, form), $"{form} quick check passed U+{c:X4} in \"{text}\" but the form changes it");
            }
        }
        Assert.True(yes > 1_000_000, $"the quick check passed only {yes} texts"); // it must pass most text, or it is pointless
    }

    [Theory]
    [InlineData("C")]
    [InlineData("D")]
    [InlineData("KC")]
    [InlineData("KD")]
    public void QuickCheck_NeverPassesTextTheFullAlgorithmChanges_PairsOfMarks(string formName)
    {
        var form = Enum.Parse<UnicodeForm>(formName);
        // Every ordered pair of combining marks (and composition seconds) after a base letter: reordering and composition.
        var tables = UnicodeTables.Instance;
        var marks = tables.CombiningClass.Keys.Concat(tables.Composition.Keys.Select(k => (int)(k & 0x1FFFFF))).Distinct().Order().ToArray();
        foreach (var start in new[] { "a", "\u0915", "\u1100" })
            foreach (int x in marks)
                foreach (int y in marks)
                {
                    string text = start + char.ConvertFromUtf32(x) + char.ConvertFromUtf32(y);
                    if (UnicodeNormalizer.IsQuickCheckYes(text, form, tables))
                        Assert.True(text == FullNormalize(text, form), $"{form} quick check passed U+{x:X4} U+{y:X4} after \"{start}\" but the form changes it");
                }
    }

    [Theory]
    [InlineData("สวัสดีชาวโลก", true, true)]           // Thai marks: no decomposition, classes in order
    [InlineData("Tiếng Việt", false, false)]            // precomposed letters: NFD and NFKD take them apart
    [InlineData("\u00a0", true, false)]                 // NO-BREAK SPACE: compatibility decomposition only
    [InlineData("\ufb01", true, false)]                 // the fi ligature: likewise
    [InlineData("한국어", false, false)]                  // Hangul syllables decompose into jamo
    [InlineData("e\u0301", true, true)]                 // already decomposed
    public void Decomposing_and_compatibility_quick_checks(string text, bool nfdYes, bool nfkdYes)
    {
        var tables = UnicodeTables.Instance;
        Assert.Equal(nfdYes, UnicodeNormalizer.IsQuickCheckYes(text, UnicodeForm.D, tables));
        Assert.Equal(nfkdYes, UnicodeNormalizer.IsQuickCheckYes(text, UnicodeForm.KD, tables));
        Assert.Equal(nfdYes, text == FullNormalize(text, UnicodeForm.D));
        Assert.Equal(nfkdYes, text == FullNormalize(text, UnicodeForm.KD));
        if (UnicodeNormalizer.IsQuickCheckYes(text, UnicodeForm.KC, tables)) Assert.Equal(text, FullNormalize(text, UnicodeForm.KC));
        Assert.False(UnicodeNormalizer.IsQuickCheckYes("\ufb01", UnicodeForm.KC, tables));
    }

    [Theory]
    [InlineData("สวัสดีชาวโลก", true)]           // Thai: vowel signs and tone marks with nonzero combining classes
    [InlineData("नमस्ते दुनिया", true)]             // Devanagari virama
    [InlineData("Tiếng Việt có dấu", true)]         // precomposed Vietnamese letters are primary composites
    [InlineData("e\u0301", false)]                  // a composition second: NFC composes it
    [InlineData("\u0e01\u0e38\u0e48", true)]        // Thai marks in ascending class order (103, 107), composing with nothing
    [InlineData("\u0e01\u0e48\u0e38", false)]       // the same marks in descending order: NFC reorders them
    [InlineData("\u2126", false)]                   // a singleton decomposition (Ohm → Omega)
    public void NfcQuickCheck_PassesCommonScripts(string text, bool expected)
    {
        Assert.Equal(expected, UnicodeNormalizer.IsNfcQuickCheckYes(text, UnicodeTables.Instance));
        if (expected) Assert.Equal(text, FullNfc(text));
        else Assert.NotEqual(text, FullNfc(text));
    }

    [Fact]
    public void Lowercase_IsRustsFullMapping()
    {
        Assert.Equal("i\u0307stanbul σασ", UnicodeCase.ToLower("İSTANBUL ΣΑΣ")); // no final-sigma rule per char
        Assert.Equal("\U00010428", UnicodeCase.ToLower("\U00010400"));
    }

    [Fact]
    public void Bpe_FastMergeEqualsReference_ShortAndLongWords()
    {
        var model = TestPaths.Qwen3.Model;
        var ranks = new Dictionary<(string, string), int>();
        // Only the merges reachable from the test alphabet matter; build the reference table from the model's merges.
        var merges = File.ReadLines(Path.Combine(TestPaths.Qwen3Dir, "merges.txt")).Skip(1).Select(l => l.Split(' ')).ToList();
        for (int i = 0; i < merges.Count; i++) ranks.TryAdd((merges[i][0], merges[i][1]), i);
        var rng = new Random(12);
        const string alphabet = "aeiourstlnmbdkpgh ĠTHEthe";
        var scratch = new ModelScratch();
        foreach (int length in new[] { 1, 2, 3, 5, 8, 13, 40, 95, 96, 97, 150, 400 })
            for (int trial = 0; trial < 20; trial++)
            {
                var word = new string(Enumerable.Range(0, length).Select(_ => alphabet[rng.Next(alphabet.Length)]).ToArray()).Replace(' ', 'Ġ');
                var symbols = word.Select(c => c.ToString()).ToList();
                var expected = BpeReference.Merge(symbols, ranks, null).Select(s => model.Vocab[s]).ToList();
                // The model reads UTF-8 bytes: the text whose bytes have these byte-level characters (all ASCII here).
                var text = new string(word.Select(c => (char)ByteLevelAlphabet.CharToByte[c]).ToArray());
                var actual = new List<int>();
                model.Tokenize(text, actual, scratch);
                Assert.Equal(expected, actual);
            }
    }

    [Fact]
    public void EncodeBatch_OnManyThreads_EqualsSequentialEncode()
    {
        var texts = Enumerable.Range(0, 2000).Select(i => $"doc {i}: the quick brown fox 日本語 {i * 7919} ünïcödé 𝒜 <|endoftext|> {new string('x', i % 50)}").ToList();
        var batch = TestPaths.Qwen3.EncodeBatch(texts, threads: 8);
        for (int i = 0; i < texts.Count; i++) Assert.Equal(TestPaths.Qwen3.Encode(texts[i]).Ids, batch[i].Ids);
    }

    [Fact]
    public void SharedWordCache_AColdThreadReadsTheWordsAnotherThreadMerged()
    {
        // A fresh tokenizer: thread A fills the shared cache; thread B starts with an empty cache of its own, so its
        // words come from the shared one. Both must equal an encode on the test tokenizer (its own caches).
        var tokenizer = Tokenizer.Load(TestPaths.Qwen3Json);
        var texts = Enumerable.Range(0, 300).Select(i => $"doc {i}: pneumonoultramicroscopic {i * 7919} ünïcödé สวัสดี 𝒜 {new string('x', i % 40)}").ToList();
        int[][] OnNewThread()
        {
            int[][] result = [];
            var thread = new Thread(() => result = texts.Select(t => tokenizer.Encode(t).Ids).ToArray());
            thread.Start();
            thread.Join();
            return result;
        }
        var first = OnNewThread();
        var second = OnNewThread();
        for (int i = 0; i < texts.Count; i++)
        {
            var expected = TestPaths.Qwen3.Encode(texts[i]).Ids;
            Assert.Equal(expected, first[i]);
            Assert.Equal(expected, second[i]);
        }
    }

    [Fact]
    public void SharedWordCache_StopsAddingAtItsCapacity()
    {
        var cache = new SharedWordCache(2);
        cache.Add("a", [1]);
        cache.Add("b", [2]);
        cache.Add("c", [3]);
        cache.Add("a", [9]); // already there: neither replaced nor counted
        Assert.Equal(2, cache.Count);
        Assert.True(cache.TryGet("a", out var key, out var ids));
        Assert.Equal("a", key);
        Assert.Equal(new[] { 1 }, ids);
        Assert.False(cache.TryGet("c", out _, out _));
        cache.Add(new string('w', WordCache.MaxWordLength + 1), [4]);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void Truncation_KeepsTheTemplateTokens()
    {
        var e = TestPaths.Qwen3.Encode("one two three four five", maxLength: 3);
        Assert.Equal(new[] { 603, 1378, 151643 }, e.Ids);
        Assert.True(e.Truncated);
        Assert.False(TestPaths.Qwen3.Encode("one", maxLength: 3).Truncated);
        Assert.Throws<ArgumentOutOfRangeException>(() => TestPaths.Qwen3.Encode("x", maxLength: 0 - 1));
    }
}
