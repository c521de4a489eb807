using Clustering.Tokenizers.Unicode;

namespace Clustering.Tokenizers.PreTokenization;

/// <summary>
/// A hand-written matcher for the Qwen2/Qwen3 split regex, exact to Oniguruma (which Hugging Face uses) over code points:
/// <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>.
/// Why not .NET Regex: it works on UTF-16 units (an astral letter such as 𝒜 is two non-letters to it) and is slower.
/// Every code point starts some alternative, so the matches tile the text.
/// </summary>
internal sealed class QwenPattern(int maxDigits = 1) : SplitPattern
{
    public const string Source = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    /// <summary>The Llama 3 variant: the same with \p{N}{1,3}.</summary>
    public const string Llama3Source = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public override void FindMatches(ReadOnlySpan<char> text, List<(int Start, int End)> matches)
    {
        int i = 0;
        while (i < text.Length)
        {
            int end = MatchAt(text, i, maxDigits);
            matches.Add((i, end));
            i = end;
        }
    }

    /// <summary>The end of the match that starts at <paramref name="i"/> (always &gt; i).</summary>
    internal static int MatchAt(ReadOnlySpan<char> s, int i, int maxDigits = 1)
    {
        int c = CharClasses.CodePointAt(s, i, out int w);
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (c == '\'' && i + 1 < s.Length)
        {
            int len = ContractionLength(s, i + 1);
            if (len > 0) return i + 1 + len;
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (CharClasses.IsLetter(c)) return SkipLetters(s, i + w);
        bool isSpace = CharClasses.IsWhiteSpace(c);
        bool isNumber = !isSpace && CharClasses.IsNumber(c);
        if (c != '\r' && c != '\n' && !isNumber && i + w < s.Length)
        {
            int c2 = CharClasses.CodePointAt(s, i + w, out int w2);
            if (CharClasses.IsLetter(c2)) return SkipLetters(s, i + w + w2);
        }
        // \p{N} (or \p{N}{1,maxDigits})
        if (isNumber)
        {
            int end = i + w;
            for (int k = 1; k < maxDigits && end < s.Length; k++)
            {
                int d = CharClasses.CodePointAt(s, end, out int wd);
                if (!CharClasses.IsNumber(d)) break;
                end += wd;
            }
            return end;
        }
        // ' '?[^\s\p{L}\p{N}]+[\r\n]*
        if (!isSpace) return SkipNewlines(s, SkipOthers(s, i + w));
        if (c == ' ' && i + 1 < s.Length)
        {
            int c2 = CharClasses.CodePointAt(s, i + 1, out int w2);
            if (IsOther(c2)) return SkipNewlines(s, SkipOthers(s, i + 1 + w2));
        }
        // \s*[\r\n]+ : the whitespace run, up to and including its last \r or \n.
        int runEnd = i;
        int lastNewline = -1;
        while (runEnd < s.Length)
        {
            char ch = s[runEnd];
            if (!CharClasses.IsWhiteSpace(ch)) break; // White_Space is all in the BMP
            if (ch is '\r' or '\n') lastNewline = runEnd;
            runEnd++;
        }
        if (lastNewline >= 0) return lastNewline + 1;
        // \s+(?!\S) then \s+
        if (runEnd == s.Length || runEnd - i < 2) return runEnd;
        return runEnd - 1;
    }

    private static bool IsOther(int c) => !CharClasses.IsWhiteSpace(c) && !CharClasses.IsLetterOrNumber(c);

    internal static int SkipLetters(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length)
        {
            int c = CharClasses.CodePointAt(s, i, out int w);
            if (!CharClasses.IsLetter(c)) break;
            i += w;
        }
        return i;
    }

    internal static int SkipNumbers(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length)
        {
            int c = CharClasses.CodePointAt(s, i, out int w);
            if (!CharClasses.IsNumber(c)) break;
            i += w;
        }
        return i;
    }

    internal static int SkipOthers(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length)
        {
            int c = CharClasses.CodePointAt(s, i, out int w);
            if (!IsOther(c)) break;
            i += w;
        }
        return i;
    }

    private static int SkipNewlines(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length && s[i] is '\r' or '\n') i++;
        return i;
    }

    /// <summary>Length of s|t|re|ve|m|ll|d at <paramref name="i"/>, case-insensitively as Oniguruma folds (ſ U+017F folds to s, K U+212A to k); 0 when none.</summary>
    private static int ContractionLength(ReadOnlySpan<char> s, int i)
    {
        char a = Fold(s[i]);
        char b = i + 1 < s.Length ? Fold(s[i + 1]) : '\0';
        return a switch
        {
            's' or 't' or 'm' or 'd' => 1,
            'r' or 'v' when b == 'e' => 2,
            'l' when b == 'l' => 2,
            _ => 0,
        };
    }

    private static char Fold(char c) => c switch
    {
        >= 'A' and <= 'Z' => (char)(c + 32),
        '\u017F' => 's',
        _ => c,
    };
}
