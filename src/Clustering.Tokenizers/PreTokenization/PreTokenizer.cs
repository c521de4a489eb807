namespace Clustering.Tokenizers.PreTokenization;

/// <summary>
/// One Hugging Face pre-tokenizer: splits a piece into smaller pieces (appended to <paramref name="output"/>), in order.
/// Pieces with nothing in them are dropped, as Hugging Face drops empty splits.
/// </summary>
internal abstract class PreTokenizer
{
    public abstract void Split(Piece piece, List<Piece> output, PreTokenizeScratch scratch);
}

/// <summary>Reusable lists for one thread's pre-tokenization (no allocation per text in steady state).</summary>
internal sealed class PreTokenizeScratch
{
    public readonly List<(int Start, int End)> Matches = new();
    public readonly List<(int Start, int End, bool IsMatch)> Splits = new();
    public readonly List<Piece> Swap = new();
    /// <summary>The two ping-pong lists of <see cref="SequencePreTokenizer"/> (pieces between its steps).</summary>
    public readonly List<Piece> SequenceCurrent = new(256), SequenceNext = new(256);
}

/// <summary>Split delimiter behaviours, as tokenizers/src/tokenizer/normalizer.rs defines them.</summary>
internal enum SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }

/// <summary>
/// Split (and the pre-tokenizers built on it): finds pattern matches, optionally inverts which parts are "matches",
/// then applies the delimiter behaviour exactly as Hugging Face's NormalizedString::split.
/// </summary>
internal sealed class SplitPreTokenizer(SplitPattern pattern, SplitBehavior behavior, bool invert) : PreTokenizer
{
    public SplitPattern Pattern => pattern;

    public override void Split(Piece piece, List<Piece> output, PreTokenizeScratch scratch)
    {
        var span = piece.Span;
        var matches = scratch.Matches;
        var splits = scratch.Splits;
        matches.Clear();
        splits.Clear();
        if (span.Length == 0) return;
        pattern.FindMatches(span, matches);
        // find_matches: the list of (range, is_match) covering the whole text.
        int prev = 0;
        foreach (var (s, e) in matches)
        {
            if (prev != s) splits.Add((prev, s, invert));
            splits.Add((s, e, !invert));
            prev = e;
        }
        if (prev != span.Length) splits.Add((prev, span.Length, invert));

        switch (behavior)
        {
            case SplitBehavior.Isolated:
                foreach (var (s, e, _) in splits) Emit(piece, s, e, output);
                break;
            case SplitBehavior.Removed:
                foreach (var (s, e, m) in splits) if (!m) Emit(piece, s, e, output);
                break;
            case SplitBehavior.MergedWithPrevious:
            {
                // A match joins the piece before it (unless that piece is itself a match).
                int curStart = -1, curEnd = -1;
                bool previousMatch = false;
                foreach (var (s, e, m) in splits)
                {
                    if (m && !previousMatch && curStart >= 0) curEnd = e;
                    else
                    {
                        if (curStart >= 0) Emit(piece, curStart, curEnd, output);
                        curStart = s;
                        curEnd = e;
                    }
                    previousMatch = m;
                }
                if (curStart >= 0) Emit(piece, curStart, curEnd, output);
                break;
            }
            case SplitBehavior.MergedWithNext:
            {
                // Walked from the right: a match joins the piece after it (unless that piece is itself a match).
                int mark = output.Count;
                int curStart = -1, curEnd = -1;
                bool previousMatch = false;
                for (int k = splits.Count - 1; k >= 0; k--)
                {
                    var (s, e, m) = splits[k];
                    if (m && !previousMatch && curStart >= 0) curStart = s;
                    else
                    {
                        if (curStart >= 0) Emit(piece, curStart, curEnd, output);
                        curStart = s;
                        curEnd = e;
                    }
                    previousMatch = m;
                }
                if (curStart >= 0) Emit(piece, curStart, curEnd, output);
                output.Reverse(mark, output.Count - mark);
                break;
            }
            case SplitBehavior.Contiguous:
            {
                int curStart = -1, curEnd = -1;
                bool previousMatch = false;
                foreach (var (s, e, m) in splits)
                {
                    if (m == previousMatch && curStart >= 0) curEnd = e;
                    else
                    {
                        if (curStart >= 0) Emit(piece, curStart, curEnd, output);
                        curStart = s;
                        curEnd = e;
                    }
                    previousMatch = m;
                }
                if (curStart >= 0) Emit(piece, curStart, curEnd, output);
                break;
            }
        }
    }

    private static void Emit(Piece piece, int s, int e, List<Piece> output)
    {
        if (e > s) output.Add(piece.Sub(s, e - s));
    }
}

/// <summary>Applies pre-tokenizers one after the other, each to every piece the previous one produced.</summary>
internal sealed class SequencePreTokenizer(IReadOnlyList<PreTokenizer> steps) : PreTokenizer
{
    public IReadOnlyList<PreTokenizer> Steps => steps;

    public override void Split(Piece piece, List<Piece> output, PreTokenizeScratch scratch)
    {
        // Nested sequences are flattened at load, so one pair of ping-pong lists per thread is enough. The last step
        // writes straight into the output, so a two-step sequence (Qwen's Split + ByteLevel) copies nothing.
        if (steps.Count == 0) { output.Add(piece); return; }
        var current = scratch.SequenceCurrent;
        var next = scratch.SequenceNext;
        current.Clear();
        current.Add(piece);
        for (int k = 0; k < steps.Count; k++)
        {
            bool last = k == steps.Count - 1;
            var target = last ? output : next;
            if (!last) next.Clear();
            foreach (var p in current) steps[k].Split(p, target, scratch);
            (current, next) = (next, current);
        }
    }
}

/// <summary>
/// ByteLevel pre-tokenizer: optionally prepends a space to each piece that does not start with one, optionally splits
/// with the GPT-2 regex. The byte-to-character mapping itself is done by the model, which reads the UTF-8 bytes of
/// each piece (so ByteLevel must be the last pre-tokenizer; the loader checks).
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : PreTokenizer
{
    private static readonly SplitPreTokenizer Gpt2Split = new(new Gpt2Pattern(), SplitBehavior.Isolated, false);

    public override void Split(Piece piece, List<Piece> output, PreTokenizeScratch scratch)
    {
        if (addPrefixSpace && (piece.Length == 0 || piece.Span[0] != ' '))
            piece = new Piece(" " + piece.Span.ToString(), 0, piece.Length + 1, piece.Lead > 0 ? piece.Lead + 1 : 0);
        if (useRegex) Gpt2Split.Split(piece, output, scratch);
        else if (piece.Length > 0) output.Add(piece);
    }
}

/// <summary>Metaspace: spaces become the replacement character, which is prepended per the scheme, then split before each replacement.</summary>
internal sealed class MetaspacePreTokenizer(char replacement, string prependScheme, bool split) : PreTokenizer
{
    private readonly SplitPreTokenizer _splitter = new(new StringPattern(replacement.ToString()), SplitBehavior.MergedWithNext, false);

    public override void Split(Piece piece, List<Piece> output, PreTokenizeScratch scratch)
    {
        var text = piece.Span.ToString().Replace(' ', replacement);
        bool prepend = prependScheme switch
        {
            "always" => true,
            "first" => piece.AtOriginalStart,
            _ => false,
        };
        int lead = piece.Lead;
        // HF prepends nothing to an empty piece (NormalizedString::prepend has no character to align it with).
        if (prepend && text.Length > 0 && text[0] != replacement) { text = replacement + text; lead = lead > 0 ? lead + 1 : 0; }
        var replaced = new Piece(text, 0, text.Length, lead);
        if (split) _splitter.Split(replaced, output, scratch);
        else if (text.Length > 0) output.Add(replaced);
    }
}
