using System.Buffers;
using Clustering.Tokenizers.Normalization;
using Clustering.Tokenizers.PreTokenization;
using Clustering.Tokenizers.Unicode;

namespace Clustering.Tokenizers;

/// <summary>An added token as tokenizer.json declares it.</summary>
internal sealed record AddedToken(int Id, string Content, bool SingleWord, bool LStrip, bool RStrip, bool Normalized, bool Special);

/// <summary>
/// Added tokens, found in the text as Hugging Face's added_vocabulary.rs does: first the non-normalized tokens in the
/// raw text, then (each remaining piece normalized on its own) the normalized tokens in the normalized text. Matching
/// is leftmost-longest, non-overlapping; a single_word token that touches a word character is skipped (and the search
/// goes on after it); lstrip/rstrip swallow the whitespace beside the token into it.
/// </summary>
internal sealed class AddedVocabulary
{
    private readonly Dictionary<string, AddedToken> _byContent = new();
    private readonly Dictionary<int, AddedToken> _byId = new();
    private readonly Matcher _raw;
    private readonly Matcher _normalized;
    private readonly Normalizer? _normalizer;
    private static int Unused;

    public AddedVocabulary(IReadOnlyList<AddedToken> tokens, Normalizer? normalizer)
    {
        _normalizer = normalizer;
        foreach (var t in tokens)
        {
            _byContent.TryAdd(t.Content, t);
            _byId.TryAdd(t.Id, t);
        }
        var raw = new List<(string, AddedToken)>();
        var normalized = new List<(string, AddedToken)>();
        // In the given order: Hugging Face builds its matchers from the special tokens first, then the others.
        foreach (var t in tokens)
        {
            if (t.Content.Length == 0 || !ReferenceEquals(_byContent[t.Content], t)) continue;
            if (t.Normalized) normalized.Add((normalizer is null ? t.Content : normalizer.Normalize(t.Content, ref Unused), t));
            else raw.Add((t.Content, t));
        }
        _raw = new Matcher(raw);
        _normalized = new Matcher(normalized);
    }

    public IReadOnlyCollection<AddedToken> Tokens => _byId.Values;
    public bool TryGetById(int id, out AddedToken token) => _byId.TryGetValue(id, out token!);
    public bool TryGetByContent(string content, out AddedToken token) => _byContent.TryGetValue(content, out token!);
    public bool IsSpecialContent(string content) => _byContent.TryGetValue(content, out var t) && t.Special;

    /// <summary>Orders tokens as Hugging Face matches them: specials first, then the others (for sources that give ids directly).</summary>
    public static List<AddedToken> SpecialsFirst(IEnumerable<AddedToken> tokens) => tokens.Where(t => t.Special).Concat(tokens.Where(t => !t.Special)).ToList();

    /// <summary>
    /// Splits <paramref name="text"/> into added-token pieces and normalized text pieces, in order (HF extract_and_normalize).
    /// </summary>
    public void ExtractAndNormalize(string text, List<Piece> output, List<Piece> scratch)
    {
        scratch.Clear();
        // Before normalization the lead is the first code point.
        int firstWidth = text.Length == 0 ? 0 : char.IsHighSurrogate(text[0]) && text.Length > 1 && char.IsLowSurrogate(text[1]) ? 2 : 1;
        var whole = new Piece(text, 0, text.Length, firstWidth);
        if (_raw.IsEmpty) scratch.Add(whole);
        else _raw.Split(whole, scratch);
        foreach (var piece in scratch)
        {
            if (piece.IsAddedToken) { output.Add(piece); continue; }
            var normalizedPiece = piece;
            if (_normalizer is not null)
            {
                string sub = piece.Start == 0 && piece.Length == piece.Text.Length ? piece.Text : piece.Span.ToString();
                int lead = piece.Lead;
                string n = _normalizer.Normalize(sub, ref lead);
                normalizedPiece = new Piece(n, 0, n.Length, Math.Clamp(lead, 0, n.Length));
            }
            if (_normalized.IsEmpty) output.Add(normalizedPiece);
            else _normalized.Split(normalizedPiece, output);
        }
    }

    /// <summary>Leftmost-longest search of a set of literal patterns (the Aho-Corasick of HF, written for few patterns).</summary>
    private sealed class Matcher
    {
        private readonly Dictionary<char, (string Pattern, AddedToken Token)[]> _byFirstChar = new();
        private readonly SearchValues<char>? _firstChars;

        public Matcher(List<(string Pattern, AddedToken Token)> patterns)
        {
            foreach (var group in patterns.Where(p => p.Pattern.Length > 0).GroupBy(p => p.Pattern[0]))
                // Longest first; among equal patterns the first declared wins.
                _byFirstChar[group.Key] = group.Select((p, i) => (p, i)).OrderByDescending(x => x.p.Pattern.Length).ThenBy(x => x.i).Select(x => x.p).ToArray();
            if (_byFirstChar.Count > 0) _firstChars = SearchValues.Create(_byFirstChar.Keys.ToArray());
        }

        public bool IsEmpty => _firstChars is null;

        public void Split(Piece piece, List<Piece> output)
        {
            var s = piece.Span;
            int startOffset = 0; // end of the last emitted split
            int searchFrom = 0;
            while (searchFrom < s.Length)
            {
                int k = s[searchFrom..].IndexOfAny(_firstChars!);
                if (k < 0) break;
                int at = searchFrom + k;
                (string Pattern, AddedToken Token)? found = null;
                foreach (var candidate in _byFirstChar[s[at]])
                    if (s[at..].StartsWith(candidate.Pattern, StringComparison.Ordinal)) { found = candidate; break; }
                if (found is null) { searchFrom = at + 1; continue; }
                var (pattern, token) = found.Value;
                int start = at, stop = at + pattern.Length;
                searchFrom = stop;
                if (token.SingleWord)
                {
                    bool startSpace = start == 0 || !IsRustWordChar(LastCodePoint(s[..start]));
                    bool stopSpace = stop == s.Length || !IsRustWordChar(CharClasses.CodePointAt(s, stop, out _));
                    if (!startSpace || !stopSpace) continue;
                }
                if (token.LStrip)
                {
                    int newStart = start;
                    while (newStart > 0 && CharClasses.IsWhiteSpace(s[newStart - 1])) newStart--;
                    start = Math.Max(newStart, startOffset);
                }
                if (token.RStrip)
                    while (stop < s.Length && CharClasses.IsWhiteSpace(s[stop])) stop++;
                if (startOffset < start) output.Add(piece.Sub(startOffset, start - startOffset));
                output.Add(new Piece(piece.Text, piece.Start + start, stop - start, 0, token.Id));
                startOffset = stop;
                searchFrom = stop;
            }
            if (startOffset < s.Length) output.Add(piece.Sub(startOffset, s.Length - startOffset));
        }

        private static int LastCodePoint(ReadOnlySpan<char> s)
        {
            int i = s.Length - 1;
            if (i > 0 && char.IsLowSurrogate(s[i]) && char.IsHighSurrogate(s[i - 1])) return char.ConvertToUtf32(s[i - 1], s[i]);
            return s[i];
        }

        private static bool IsRustWordChar(int c) => CharClasses.IsRustWord(c);
    }
}
