namespace Clustering.Tokenizers.PreTokenization;

/// <summary>
/// Something that finds the matches of a pattern in a span, left to right, without overlaps — Hugging Face's
/// Pattern::find_matches. Implementations append (start, end) of each non-empty match to <paramref name="matches"/>.
/// </summary>
internal abstract class SplitPattern
{
    public abstract void FindMatches(ReadOnlySpan<char> text, List<(int Start, int End)> matches);
}
