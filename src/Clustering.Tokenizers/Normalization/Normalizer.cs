using System.Text;
using Clustering.Tokenizers.PreTokenization;
using Clustering.Tokenizers.Unicode;

namespace Clustering.Tokenizers.Normalization;

/// <summary>
/// One Hugging Face normalizer: text in, normalized text out. Returns the same instance when nothing changes, so the
/// common case (already-NFC text) allocates nothing. <c>lead</c> is how many leading characters Hugging Face's
/// alignments tie to the original offset 0; each normalizer carries it through (only Metaspace "first" reads it).
/// </summary>
internal abstract class Normalizer
{
    public abstract string Normalize(string text, ref int lead);

    /// <summary>Per-character rewriting with the lead carried: output characters made from a lead input character are lead.</summary>
    protected static int LeadAfter(List<int> outputLengthsPerInputChar, int lead)
    {
        int n = 0;
        for (int i = 0; i < lead && i < outputLengthsPerInputChar.Count; i++) n += outputLengthsPerInputChar[i];
        return n;
    }
}

internal sealed class UnicodeFormNormalizer(UnicodeForm form) : Normalizer
{
    public override string Normalize(string text, ref int lead) => UnicodeNormalizer.Normalize(text, form, ref lead);
}

internal sealed class LowercaseNormalizer : Normalizer
{
    public override string Normalize(string text, ref int lead) => UnicodeCase.ToLower(text, ref lead);
}

/// <summary>Strip: removes White_Space (Rust char::is_whitespace) at the left and/or right.</summary>
internal sealed class StripNormalizer(bool left, bool right) : Normalizer
{
    public override string Normalize(string text, ref int lead)
    {
        int s = 0, e = text.Length;
        if (left) while (s < e && CharClasses.IsWhiteSpace(text[s])) s++;
        if (right) while (e > s && CharClasses.IsWhiteSpace(text[e - 1])) e--;
        lead = Math.Clamp(lead - s, 0, e - s);
        return s == 0 && e == text.Length ? text : text[s..e];
    }
}

/// <summary>StripAccents: removes every combining mark (Mn, Mc, Me), as HF's is_combining_mark filter; use after NFD/NFKD.</summary>
internal sealed class StripAccentsNormalizer : Normalizer
{
    public override string Normalize(string text, ref int lead)
    {
        var sb = new StringBuilder(text.Length);
        bool changed = false;
        int newLead = 0, index = 0;
        foreach (var r in text.EnumerateRunes())
        {
            bool isLead = index < lead;
            index += r.Utf16SequenceLength;
            if (System.Globalization.CharUnicodeInfo.GetUnicodeCategory(r.Value) is System.Globalization.UnicodeCategory.NonSpacingMark
                or System.Globalization.UnicodeCategory.SpacingCombiningMark or System.Globalization.UnicodeCategory.EnclosingMark) { changed = true; continue; }
            if (isLead) newLead += r.Utf16SequenceLength;
            sb.Append(r.ToString());
        }
        if (!changed) return text;
        lead = newLead;
        return sb.ToString();
    }
}

/// <summary>Replace: every non-overlapping match of a literal or regex becomes <c>content</c>.</summary>
internal sealed class ReplaceNormalizer(SplitPattern pattern, string content) : Normalizer
{
    [ThreadStatic] private static List<(int Start, int End)>? t_matches;

    public override string Normalize(string text, ref int lead) => Apply(pattern, content, text, t_matches ??= new(), ref lead);

    internal static string Apply(SplitPattern pattern, string content, string text, List<(int Start, int End)> matches)
    {
        int unused = 0;
        return Apply(pattern, content, text, matches, ref unused);
    }

    internal static string Apply(SplitPattern pattern, string content, string text, List<(int Start, int End)> matches, ref int lead)
    {
        matches.Clear();
        pattern.FindMatches(text, matches);
        if (matches.Count == 0) return text;
        var sb = new StringBuilder(text.Length + matches.Count * content.Length);
        int prev = 0, newLead = 0;
        foreach (var (s, e) in matches)
        {
            newLead += Math.Clamp(lead - prev, 0, s - prev);
            sb.Append(text, prev, s - prev);
            // HF's transform_range gives inserted characters the alignment of the character before them, which after
            // removing the match is its last character: the replacement is lead only if the whole match was.
            if (e > s && e - 1 < lead) newLead += content.Length;
            sb.Append(content);
            prev = e;
        }
        newLead += Math.Clamp(lead - prev, 0, text.Length - prev);
        sb.Append(text, prev, text.Length - prev);
        lead = newLead;
        return sb.ToString();
    }
}

/// <summary>Prepend: puts a string in front of any non-empty text (aligned to the first character, as HF does).</summary>
internal sealed class PrependNormalizer(string prefix) : Normalizer
{
    public override string Normalize(string text, ref int lead)
    {
        if (text.Length == 0) return text;
        if (lead > 0) lead += prefix.Length;
        return prefix + text;
    }
}

internal sealed class SequenceNormalizer(IReadOnlyList<Normalizer> steps) : Normalizer
{
    public override string Normalize(string text, ref int lead)
    {
        foreach (var step in steps) text = step.Normalize(text, ref lead);
        return text;
    }
}
