using Clustering.Tokenizers.Unicode;

namespace Clustering.Tokenizers.PreTokenization;

/// <summary>The Whitespace pre-tokenizer's regex <c>\w+|[^\w\s]+</c> (Oniguruma \w: letters, marks, numbers, connector punctuation).</summary>
internal sealed class WordOrPunctuationPattern : SplitPattern
{
    public override void FindMatches(ReadOnlySpan<char> text, List<(int Start, int End)> matches)
    {
        int i = 0;
        while (i < text.Length)
        {
            int c = CharClasses.CodePointAt(text, i, out int w);
            if (CharClasses.IsWhiteSpace(c)) { i += w; continue; }
            bool word = CharClasses.IsWord(c);
            int start = i;
            i += w;
            while (i < text.Length)
            {
                int d = CharClasses.CodePointAt(text, i, out int w2);
                if (CharClasses.IsWhiteSpace(d) || CharClasses.IsWord(d) != word) break;
                i += w2;
            }
            matches.Add((start, i));
        }
    }
}
