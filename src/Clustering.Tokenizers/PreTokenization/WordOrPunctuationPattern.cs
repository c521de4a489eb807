using Clustering.Tokenizers.Unicode;

namespace Clustering.Tokenizers.PreTokenization;

/// <summary>The Whitespace pre-tokenizer's regex <c>\w+|[^\w\s]+</c> (the Rust regex crate: \w as <see cref="CharClasses.IsRustWord"/>, \s = White_Space).</summary>
internal sealed class WordOrPunctuationPattern : SplitPattern
{
    public override void FindMatches(ReadOnlySpan<char> text, List<(int Start, int End)> matches)
    {
        int i = 0;
        while (i < text.Length)
        {
            int c = CharClasses.CodePointAt(text, i, out int w);
            if (CharClasses.IsWhiteSpace(c)) { i += w; continue; }
            bool word = CharClasses.IsRustWord(c);
            int start = i;
            i += w;
            while (i < text.Length)
            {
                int d = CharClasses.CodePointAt(text, i, out int w2);
                if (CharClasses.IsWhiteSpace(d) || CharClasses.IsRustWord(d) != word) break;
                i += w2;
            }
            matches.Add((start, i));
        }
    }
}
