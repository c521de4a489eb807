using System.Globalization;
using System.Text;

namespace Clustering.Tokenizers.Normalization;

/// <summary>
/// Precompiled: SentencePiece's charsmap rules applied as Hugging Face's normalizers/precompiled.rs does. The text is
/// walked by extended grapheme clusters; a cluster under 6 UTF-8 bytes whose bytes start with a key is replaced whole
/// (by the shortest such key's replacement, even when the key covers only its first character); otherwise each of its
/// characters is looked up alone. Hugging Face's comment on this: it looks broken, and it is what matches
/// SentencePiece on XNLI for XLM-R, mBART and Marian. The lead (characters aligned to the original start) follows
/// NormalizedString::transform over the same (char, change) list HF builds, quirks included: a replacement that
/// removes characters charges the removal to the character before it.
/// </summary>
internal sealed class PrecompiledNormalizer(PrecompiledCharsmap charsmap) : Normalizer
{
    [ThreadStatic] private static List<(int Length, int Change)>? t_changes;

    public override string Normalize(string text, ref int lead)
    {
        var changes = t_changes ??= new();
        changes.Clear();
        StringBuilder? sb = null;
        Span<byte> utf8 = stackalloc byte[5];
        for (int i = 0; i < text.Length;)
        {
            int g = GraphemeLength(text, i);
            var grapheme = text.AsSpan(i, g);
            string? whole = g == 1 ? charsmap.Of(text[i])
                : Encoding.UTF8.GetByteCount(grapheme) < 6 ? Lookup(grapheme, utf8) : null;
            if (whole is not null) Replace(ref sb, text, i, changes, grapheme, whole);
            else
                for (int k = 0; k < g;)
                {
                    int w = char.IsHighSurrogate(grapheme[k]) && k + 1 < g && char.IsLowSurrogate(grapheme[k + 1]) ? 2 : 1;
                    var part = grapheme.Slice(k, w);
                    string? replacement = w == 1 ? charsmap.Of(part[0]) : Lookup(part, utf8);
                    if (replacement is not null) Replace(ref sb, text, i + k, changes, part, replacement);
                    else if (sb is not null) { sb.Append(part); changes.Add((w, 0)); }
                    k += w;
                }
            i += g;
        }
        if (sb is null) return text;
        lead = LeadAfter(text, changes, lead);
        return sb.ToString();
    }

    private string? Lookup(ReadOnlySpan<char> part, Span<byte> utf8) => charsmap.Find(utf8[..Encoding.UTF8.GetBytes(part, utf8)]);

    /// <summary>Writes <paramref name="replacement"/> for <paramref name="old"/> with HF's change marks (its replace()).</summary>
    private static void Replace(ref StringBuilder? sb, string text, int at, List<(int Length, int Change)> changes, ReadOnlySpan<char> old, string replacement)
    {
        if (sb is null)
        {
            // The first replacement: the text before it is kept as it is.
            sb = new StringBuilder(text.Length + 16).Append(text, 0, at);
            for (int k = 0; k < at;)
            {
                int w = char.IsSurrogatePair(text, k) ? 2 : 1;
                changes.Add((w, 0));
                k += w;
            }
        }
        sb.Append(replacement);
        int oldCount = CodePoints(old), newCount = 0;
        for (int k = 0; k < replacement.Length;)
        {
            int w = char.IsSurrogatePair(replacement, k) ? 2 : 1;
            changes.Add((w, 0));
            newCount++;
            k += w;
        }
        int diff = newCount - oldCount;
        if (diff > 0)
            for (int k = changes.Count - diff; k < changes.Count; k++) changes[k] = (changes[k].Length, 1);
        else if (diff < 0 && changes.Count > 0)
            changes[^1] = (changes[^1].Length, changes[^1].Change + diff);
    }

    /// <summary>
    /// How many leading output characters NormalizedString::transform aligns to the original start: a kept or
    /// replacing character takes the alignment of the next input character (then skips as many more as its change
    /// removes), an inserted one that of the input character before it, or offset 0 at the very start.
    /// </summary>
    private static int LeadAfter(string input, List<(int Length, int Change)> changes, int lead)
    {
        if (lead <= 0) return 0;
        int position = 0, before = -1, newLead = 0;
        foreach (var (length, change) in changes)
        {
            bool isLead;
            if (change > 0) isLead = before < 0 ? position == 0 : before < lead;
            else
            {
                isLead = position < input.Length && position < lead;
                for (int skip = 0; skip <= -change && position < input.Length; skip++)
                {
                    before = position;
                    position += char.IsSurrogatePair(input, position) ? 2 : 1;
                }
            }
            if (!isLead) break;
            newLead += length;
        }
        return newLead;
    }

    private static int CodePoints(ReadOnlySpan<char> s)
    {
        int n = 0;
        for (int k = 0; k < s.Length; k++) if (!char.IsLowSurrogate(s[k]) || k == 0 || !char.IsHighSurrogate(s[k - 1])) n++;
        return n;
    }

    /// <summary>The UTF-16 length of the extended grapheme cluster at <paramref name="i"/>; two ASCII characters never join but CR LF.</summary>
    private static int GraphemeLength(string text, int i)
    {
        char c = text[i];
        if (c < 0x80 && (i + 1 == text.Length || (text[i + 1] < 0x80 && !(c == '\r' && text[i + 1] == '\n')))) return 1;
        return StringInfo.GetNextTextElementLength(text.AsSpan(i));
    }
}
