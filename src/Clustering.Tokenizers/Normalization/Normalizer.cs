using System.Text;
using System.Text.RegularExpressions;
using Clustering.Tokenizers.PreTokenization;
using Clustering.Tokenizers.Unicode;

namespace Clustering.Tokenizers.Normalization;

/// <summary>
/// One Hugging Face normalizer: text in, normalized text out. Returns the same instance when nothing changes, so the
/// common case (already-NFC text) allocates nothing.
/// </summary>
internal abstract class Normalizer
{
    public abstract string Normalize(string text);
}

internal sealed class UnicodeFormNormalizer(UnicodeForm form) : Normalizer
{
    public override string Normalize(string text) => UnicodeNormalizer.Normalize(text, form);
}

internal sealed class LowercaseNormalizer : Normalizer
{
    public override string Normalize(string text) => UnicodeCase.ToLower(text);
}

/// <summary>Strip: removes White_Space (Rust char::is_whitespace) at the left and/or right.</summary>
internal sealed class StripNormalizer(bool left, bool right) : Normalizer
{
    public override string Normalize(string text)
    {
        int s = 0, e = text.Length;
        if (left) while (s < e && CharClasses.IsWhiteSpace(text[s])) s++;
        if (right) while (e > s && CharClasses.IsWhiteSpace(text[e - 1])) e--;
        return s == 0 && e == text.Length ? text : text[s..e];
    }
}

/// <summary>StripAccents: removes nonspacing marks (HF removes chars with the Mn category; use after NFD).</summary>
internal sealed class StripAccentsNormalizer : Normalizer
{
    public override string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length);
        bool changed = false;
        foreach (var r in text.EnumerateRunes())
        {
            if (System.Globalization.CharUnicodeInfo.GetUnicodeCategory(r.Value) == System.Globalization.UnicodeCategory.NonSpacingMark) { changed = true; continue; }
            sb.Append(r.ToString());
        }
        return changed ? sb.ToString() : text;
    }
}

/// <summary>Replace: every non-overlapping match of a literal or regex becomes <c>content</c>.</summary>
internal sealed class ReplaceNormalizer(SplitPattern pattern, string content) : Normalizer
{
    [ThreadStatic] private static List<(int Start, int End)>? t_matches;

    public override string Normalize(string text) => Apply(pattern, content, text, t_matches ??= new());

    internal static string Apply(SplitPattern pattern, string content, string text, List<(int Start, int End)> matches)
    {
        matches.Clear();
        pattern.FindMatches(text, matches);
        if (matches.Count == 0) return text;
        var sb = new StringBuilder(text.Length + matches.Count * content.Length);
        int prev = 0;
        foreach (var (s, e) in matches)
        {
            sb.Append(text, prev, s - prev).Append(content);
            prev = e;
        }
        sb.Append(text, prev, text.Length - prev);
        return sb.ToString();
    }
}

/// <summary>Prepend: puts a string in front of any non-empty text.</summary>
internal sealed class PrependNormalizer(string prefix) : Normalizer
{
    public override string Normalize(string text) => text.Length == 0 ? text : prefix + text;
}

internal sealed class SequenceNormalizer(IReadOnlyList<Normalizer> steps) : Normalizer
{
    public override string Normalize(string text)
    {
        foreach (var step in steps) text = step.Normalize(text);
        return text;
    }
}
