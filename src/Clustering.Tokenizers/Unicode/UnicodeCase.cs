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
        int lead = 0;
        return ToLower(text, ref lead);
    }

    /// <summary>As <see cref="ToLower(string)"/>, carrying the count of leading units tied to original offset 0.</summary>
    public static string ToLower(string text, ref int lead)
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
        int oldLead = lead, newLead = Math.Min(lead, i);
        for (; i < text.Length; i++)
        {
            char ch = text[i];
            int c = ch;
            int width = 1;
            if (char.IsHighSurrogate(ch) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { c = char.ConvertToUtf32(ch, text[i + 1]); width = 2; }
            int before = sb.Length;
            if (lower.TryGetValue(c, out var mapped))
                foreach (var m in mapped) sb.Append(new Rune(m).ToString());
            else sb.Append(text, i, width);
            if (i < oldLead) newLead += sb.Length - before;
            i += width - 1;
        }
        lead = newLead;
        return sb.ToString();
    }
}
