using System.Text.RegularExpressions;

namespace Clustering.Tokenizers.PreTokenization;

/// <summary>
/// Any other regex, run with .NET Regex (culture-invariant). Known difference from Oniguruma: .NET matches UTF-16 units,
/// so classes such as \p{L} do not match astral code points; the Qwen and GPT-2 patterns never come here.
/// \s is rewritten to the Unicode White_Space set Oniguruma uses.
/// </summary>
internal sealed class RegexPattern : SplitPattern
{
    private readonly Regex _regex;

    public RegexPattern(string pattern)
    {
        _regex = new Regex(Translate(pattern), RegexOptions.CultureInvariant | RegexOptions.Compiled);
    }

    /// <summary>Rewrites \s and \S outside and inside character classes to the White_Space set.</summary>
    internal static string Translate(string pattern)
    {
        const string ws = @"\t\n\v\f\r\x20\x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
        var sb = new System.Text.StringBuilder(pattern.Length + 32);
        bool inClass = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                char n = pattern[i + 1];
                if (n == 's') sb.Append(inClass ? ws : "[" + ws + "]");
                else if (n == 'S' && !inClass) sb.Append("[^" + ws + "]");
                else sb.Append(c).Append(n);
                i++;
                continue;
            }
            if (c == '[' && !inClass) inClass = true;
            else if (c == ']' && inClass) inClass = false;
            sb.Append(c);
        }
        return sb.ToString();
    }

    public override void FindMatches(ReadOnlySpan<char> text, List<(int Start, int End)> matches)
    {
        foreach (var m in _regex.EnumerateMatches(text))
            if (m.Length > 0) matches.Add((m.Index, m.Index + m.Length));
    }
}

/// <summary>A literal string pattern (Split with {"String": ...}).</summary>
internal sealed class StringPattern(string literal) : SplitPattern
{
    public override void FindMatches(ReadOnlySpan<char> text, List<(int Start, int End)> matches)
    {
        if (literal.Length == 0) return;
        int i = 0;
        while (i <= text.Length - literal.Length)
        {
            int k = text[i..].IndexOf(literal.AsSpan(), StringComparison.Ordinal);
            if (k < 0) break;
            matches.Add((i + k, i + k + literal.Length));
            i += k + literal.Length;
        }
    }
}

/// <summary>Matches every code point for which a predicate holds (Punctuation, Digits, WhitespaceSplit use it).</summary>
internal sealed class CharPredicatePattern(Func<int, bool> predicate) : SplitPattern
{
    public override void FindMatches(ReadOnlySpan<char> text, List<(int Start, int End)> matches)
    {
        for (int i = 0; i < text.Length;)
        {
            int c = Unicode.CharClasses.CodePointAt(text, i, out int w);
            if (predicate(c)) matches.Add((i, i + w));
            i += w;
        }
    }
}
