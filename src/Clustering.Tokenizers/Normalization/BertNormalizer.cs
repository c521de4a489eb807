using System.Text;
using Clustering.Tokenizers.Unicode;

namespace Clustering.Tokenizers.Normalization;

/// <summary>
/// BertNormalizer as Hugging Face's normalizers/bert.rs, in its order: clean_text (drops NUL, U+FFFD and control
/// characters, turns whitespace into a space), handle_chinese_chars (a space on each side of a CJK ideograph),
/// strip_accents (NFD, then drops nonspacing marks; defaults to lowercase when null), lowercase (Rust's to_lowercase).
/// The character classes are the Unicode 8.0 lists Hugging Face uses (<see cref="BertCharTables"/>).
/// </summary>
internal sealed class BertNormalizer(bool cleanText, bool handleChineseChars, bool stripAccents, bool lowercase) : Normalizer
{
    public override string Normalize(string text, ref int lead)
    {
        if (cleanText) text = Rewrite(text, ref lead, CleanChar);
        if (handleChineseChars) text = Rewrite(text, ref lead, PadChinese);
        if (stripAccents)
        {
            text = UnicodeNormalizer.Normalize(text, UnicodeForm.D, ref lead);
            text = Rewrite(text, ref lead, DropMark);
        }
        if (lowercase) text = UnicodeCase.ToLower(text, ref lead);
        return text;
    }

    private const int Keep = -1, Drop = -2, Pad = -3;

    /// <summary>What one code point becomes: <see cref="Keep"/>, <see cref="Drop"/>, <see cref="Pad"/> (a space each side) or another code point.</summary>
    private delegate int CharRule(int c);

    private static int CleanChar(int c)
    {
        if (c is 0 or 0xFFFD || BertCharTables.IsControl(c)) return Drop;
        return c != ' ' && BertCharTables.IsWhitespace(c) ? ' ' : Keep;
    }

    private static int PadChinese(int c) => BertCharTables.IsChineseChar(c) ? Pad : Keep;

    private static int DropMark(int c) => BertCharTables.IsMarkNonspacing(c) ? Drop : Keep;

    /// <summary>
    /// Applies a per-code-point rule; returns the same instance when nothing changes (the common case, no allocation).
    /// Output made from a lead input character is lead.
    /// </summary>
    private static string Rewrite(string text, ref int lead, CharRule rule)
    {
        int i = 0;
        for (; i < text.Length;)
        {
            int c = CharClasses.CodePointAt(text, i, out int w);
            if (c >= 0x21 && c < 0x7F) { i++; continue; } // printable ASCII: no rule changes it
            if (rule(c) != Keep) break;
            i += w;
        }
        if (i == text.Length) return text;
        var sb = new StringBuilder(text.Length + 16);
        sb.Append(text, 0, i);
        int newLead = Math.Min(lead, i);
        while (i < text.Length)
        {
            int c = CharClasses.CodePointAt(text, i, out int w);
            int before = sb.Length;
            int action = c >= 0x21 && c < 0x7F ? Keep : rule(c);
            switch (action)
            {
                case Keep: sb.Append(text, i, w); break;
                case Drop: break;
                case Pad: sb.Append(' ').Append(text, i, w).Append(' '); break;
                default: sb.Append(char.ConvertFromUtf32(action)); break;
            }
            if (i < lead) newLead += sb.Length - before;
            i += w;
        }
        lead = newLead;
        return sb.ToString();
    }
}
