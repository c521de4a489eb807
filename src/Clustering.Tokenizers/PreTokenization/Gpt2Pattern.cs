using Clustering.Tokenizers.Unicode;

namespace Clustering.Tokenizers.PreTokenization;

/// <summary>
/// A hand-written matcher for the GPT-2 regex of the ByteLevel pre-tokenizer (use_regex = true), exact to Oniguruma over
/// code points: <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>.
/// </summary>
internal sealed class Gpt2Pattern : SplitPattern
{
    public const string Source = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public override void FindMatches(ReadOnlySpan<char> text, List<(int Start, int End)> matches)
    {
        int i = 0;
        while (i < text.Length)
        {
            int end = MatchAt(text, i);
            matches.Add((i, end));
            i = end;
        }
    }

    internal static int MatchAt(ReadOnlySpan<char> s, int i)
    {
        if (s[i] == '\'' && i + 1 < s.Length)
        {
            char a = s[i + 1];
            char b = i + 2 < s.Length ? s[i + 2] : '\0';
            if (a is 's' or 't' or 'm' or 'd') return i + 2;
            if ((a is 'r' or 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
        }
        int start = i;
        if (s[i] == ' ' && i + 1 < s.Length)
        {
            int next = CharClasses.CodePointAt(s, i + 1, out _);
            if (!CharClasses.IsWhiteSpace(next)) start = i + 1;
        }
        int c = CharClasses.CodePointAt(s, start, out int w);
        if (CharClasses.IsLetter(c)) return QwenPattern.SkipLetters(s, start + w);
        if (CharClasses.IsNumber(c)) return QwenPattern.SkipNumbers(s, start + w);
        if (!CharClasses.IsWhiteSpace(c)) return QwenPattern.SkipOthers(s, start + w);
        int runEnd = i;
        while (runEnd < s.Length && CharClasses.IsWhiteSpace(s[runEnd])) runEnd++;
        if (runEnd == s.Length || runEnd - i < 2) return runEnd;
        return runEnd - 1;
    }
}
