using System.Text;

namespace Clustering.Tokenizers.Unicode;

/// <summary>
/// Full lowercase mapping per code point, as Rust's char::to_lowercase (which the Hugging Face Lowercase normalizer
/// uses): U+0130 becomes "i\u0307", Σ always becomes σ (no final-sigma context). Invariant-mode .NET casing skips
/// U+0130, so the mapping comes from the embedded tables.
/// </summary>
internal static class UnicodeCase
{
    public static string ToLower(string text)
    {
        var lower = UnicodeTables.Instance.Lowercase;
        int i = 0;
        for (; i < text.Length; i++)
        {
            char ch = text[i];
            if (ch < 0x80) { if (ch is >= 'A' and <= 'Z') break; continue; }
            if (char.IsHighSurrogate(ch) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (lower.ContainsKey(char.ConvertToUtf32(ch, text[i + 1]))) break;
                i++;
                continue;
            }
            if (lower.ContainsKey(ch)) break;
        }
        if (i == text.Length) return text;
        var sb = new StringBuilder(text.Length + 8);
        sb.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            char ch = text[i];
            int c = ch;
            int width = 1;
            if (char.IsHighSurrogate(ch) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { c = char.ConvertToUtf32(ch, text[i + 1]); width = 2; }
            if (lower.TryGetValue(c, out var mapped))
                foreach (var m in mapped) sb.Append(new Rune(m).ToString());
            else sb.Append(text, i, width);
            i += width - 1;
        }
        return sb.ToString();
    }
}
