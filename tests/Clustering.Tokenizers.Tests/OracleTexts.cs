using System.Text;
using System.Text.Json;

namespace Clustering.Tokenizers.Tests;

/// <summary>
/// Texts for the oracle comparisons: the repository's varied corpus (cut to 400 characters), seeded random mixes of
/// scripts, marks, controls, whitespace and punctuation that BERT and SentencePiece treat specially, and every code
/// point outside the surrogates, 64 to a text.
/// </summary>
internal static class OracleTexts
{
    private static readonly string[] Pool =
    [
        "Hello", "WORLD", "Straße", "Größe", "ÄÖÜ", "naïve", "café", "İstanbul", "ΣΊΣΥΦΟΣ", "Привет", "мир", "北京是中国的首都", "東京",
        "ひらがな", "カタカナ", "한국어", "مرحبا", "שלום", "नमस्ते", "สวัสดี", "ελληνικά", "x\u0327\u0301y", "e\u0301", "\u0301", "ﬁ", "①", "½",
        "Ⅻ", "𝒜𝒷𝒸", "🥰", "🫠", "👩‍👩‍👧", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "\u0000", "\u0085", "\u200B", "\uFEFF", "\u00AD", "\uE000", "\uE001", "\uF8FF",
        "\U000F0000", "\U000F0001", "\uFFFD", "\u0007", "\u001B", "\u3000", "\u00A0", "\t", "\n", "\r\n", "  ", " ", "\u2028", "\u202F",
        "«»", "‘’", "“”", "—", "–", "。", "、", "￥", "※", "¿", "¡", "§", "…", "‰", "⁂", "\u2E3A", "\u2E50", "\u2E5D", "﹏", "＿", "!!!",
        "can't", "e-mail", "[CLS]", "[MASK]", "[UNK]", "[SEP]", "##ing", "a.b.c", "3.14159", "1,000,000", "١٢٣", "\U0002B820",
        "\U0002B91F", "\U0002B920", "\U0002A700", "\uF900", "\u3400", "\u2F00", "\u1E9E", "ǅ", "ß", "İ", "ŉ", "\u08D4", "\u0D00", "\U0001E944",
        "supercalifragilisticexpialidocious", new string('x', 101), new string('é', 120), "http://example.com/a?b=c&d=e", "<div class=\"x\">",
        "\u0300\u0301\u0302", "ä\u0308", "\u1100\u1161\u11A8", "▁", "▁▁", "<0x41>", "<unk>", "\u2581hello",
    ];

    public static List<string> All(int randomCount = 2000)
    {
        var texts = new List<string>();
        foreach (var line in File.ReadLines(Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "corpus", "sample.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            {
                string text = t.GetString()!;
                if (text.Length > 400) text = text[..400];
                if (text.Length > 0 && char.IsHighSurrogate(text[^1])) text = text[..^1];
                texts.Add(text);
            }
        }
        var random = new Random(17);
        for (int i = 0; i < randomCount; i++)
        {
            var sb = new StringBuilder();
            int parts = random.Next(1, 12);
            for (int k = 0; k < parts; k++)
            {
                sb.Append(Pool[random.Next(Pool.Length)]);
                if (random.Next(3) > 0) sb.Append(random.Next(4) == 0 ? "" : " ");
            }
            texts.Add(sb.ToString());
        }
        texts.AddRange(EveryCodePoint());
        return texts;
    }

    /// <summary>Every code point but the surrogates, 64 to a text, separated by spaces.</summary>
    public static IEnumerable<string> EveryCodePoint()
    {
        var sb = new StringBuilder();
        int inText = 0;
        for (int c = 1; c < 0x110000; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF) continue;
            // Unassigned planes 4-13 add nothing but length: one text per 4,096 there.
            if (c is >= 0x40000 and < 0xE0000 && (c & 0xFFF) != 0) continue;
            sb.Append(char.ConvertFromUtf32(c)).Append(' ');
            if (++inText == 64) { yield return sb.ToString(); sb.Clear(); inText = 0; }
        }
        if (sb.Length > 0) yield return sb.ToString();
    }
}
