using System.Text;
using Xunit.Abstractions;

namespace Clustering.Tokenizers.Tests;

/// <summary>
/// Every case of every fixture set must equal Hugging Face exactly: ids, ids without special tokens, truncated at 16 and
/// 512, and both decodings. A failure lists the first mismatches with the case index and text.
/// </summary>
public class FixtureTests(ITestOutputHelper output)
{
    public static TheoryData<string> Sets => new() { "qwen3", "wordpiece-bpe", "metaspace-bpe", "tiny-bytelevel" };

    [Theory]
    [MemberData(nameof(Sets))]
    public void EveryCase_EqualsHuggingFace(string set)
    {
        string cases = FixtureSets.CasesPath(set);
        if (!File.Exists(cases))
        {
            // The lead generates these on the GPU machine; until they are merged from main there is nothing to compare.
            output.WriteLine($"fixture set {set} not present at {cases}");
            return;
        }
        var tokenizer = set == "qwen3" ? TestPaths.Qwen3 : Tokenizer.Load(FixtureSets.TokenizerPath(set));
        var all = FixtureCase.ReadAll(cases);
        var mismatches = Compare(tokenizer, all);
        output.WriteLine($"{set}: {all.Count} cases, {mismatches.Count} mismatching fields");
        Assert.True(mismatches.Count == 0, $"{set}: {mismatches.Count} mismatches; first ones:\n" + string.Join("\n", mismatches.Take(8)));
    }

    internal static List<string> Compare(Tokenizer tokenizer, List<FixtureCase> all)
    {
        var mismatches = new List<string>();
        for (int i = 0; i < all.Count; i++)
        {
            var c = all[i];
            Check("ids", c.Ids, tokenizer.Encode(c.Text).Ids);
            Check("ids_plain", c.IdsPlain, tokenizer.Encode(c.Text, addSpecialTokens: false).Ids);
            Check("ids_max16", c.IdsMax16, tokenizer.Encode(c.Text, maxLength: 16).Ids);
            Check("ids_max512", c.IdsMax512, tokenizer.Encode(c.Text, maxLength: 512).Ids);
            CheckText("decoded", c.Decoded, tokenizer.Decode(c.Ids));
            CheckText("decoded_skip", c.DecodedSkip, tokenizer.Decode(c.Ids, skipSpecialTokens: true));

            void Check(string field, int[] expected, int[] actual)
            {
                if (expected.AsSpan().SequenceEqual(actual)) return;
                int at = 0;
                while (at < expected.Length && at < actual.Length && expected[at] == actual[at]) at++;
                mismatches.Add($"case {i} {field} text={Show(c.Text)}: first difference at {at}: expected [{Window(expected, at)}] got [{Window(actual, at)}] (lengths {expected.Length} vs {actual.Length})");
            }
            void CheckText(string field, string expected, string actual)
            {
                if (expected != actual) mismatches.Add($"case {i} {field} text={Show(c.Text)}: expected {Show(expected)} got {Show(actual)}");
            }
        }
        return mismatches;
    }

    private static string Window(int[] ids, int at) => string.Join(",", ids.Skip(Math.Max(0, at - 2)).Take(6));

    internal static string Show(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (char ch in s.Length > 80 ? s[..80] : s)
            sb.Append(ch < 0x20 || ch is >= '\u007f' and <= '\u00a0' || char.IsSurrogate(ch) || ch is >= '\u2000' and <= '\u200f' ? $"\\u{(int)ch:x4}" : ch.ToString());
        return sb.Append(s.Length > 80 ? $"\"…({s.Length} chars)" : "\"").ToString();
    }
}
