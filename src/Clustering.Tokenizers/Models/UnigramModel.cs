using System.Text;

namespace Clustering.Tokenizers.Models;

/// <summary>
/// Unigram (SentencePiece) as Hugging Face's models/unigram, its optimized encode: Viterbi over code point positions,
/// where every vocabulary piece that starts at a position is an edge with its score, and a code point that no
/// one-code-point piece covers is an unk edge scored min(score) - 10. Ties keep the first edge found (shorter pieces
/// first, as the trie lists them). Consecutive unks fuse into one; a piece not in the vocabulary (a fused unk) becomes
/// its UTF-8 bytes as &lt;0xXX&gt; tokens when byte_fallback is on and all of them exist, else unk.
/// </summary>
internal sealed class UnigramModel : TokenizerModel
{
    private const double UnkPenalty = 10.0; // K_UNK_PENALTY in unigram/model.rs

    private readonly double[] _scores;      // (vocab) score per id
    private readonly int _unkId;
    private readonly double _unkScore;
    private readonly int _maxPieceLength;   // UTF-16 units of the longest piece

    public UnigramModel(IReadOnlyList<(string Piece, double Score)> pieces, int? unkId, bool byteFallback, Func<string, Exception> fail)
        : base(LastIdPerPiece(pieces))
    {
        if (pieces.Count == 0) throw fail("the vocabulary is empty");
        if (unkId is { } u && (u < 0 || u >= pieces.Count)) throw fail($"unk_id {u} is outside the vocabulary of {pieces.Count} pieces");
        _unkId = unkId ?? -1;
        ByteFallback = byteFallback;
        _scores = new double[pieces.Count];
        double min = double.MaxValue;
        for (int id = 0; id < pieces.Count; id++)
        {
            var (piece, score) = pieces[id];
            _scores[id] = score;
            IdToToken[id] = piece;
            min = Math.Min(min, score);
            _maxPieceLength = Math.Max(_maxPieceLength, piece.Length);
        }
        _unkScore = min - UnkPenalty;
    }

    public bool ByteFallback { get; }

    private static Dictionary<string, int> LastIdPerPiece(IReadOnlyList<(string Piece, double Score)> pieces)
    {
        var vocab = new Dictionary<string, int>(pieces.Count, StringComparer.Ordinal);
        for (int id = 0; id < pieces.Count; id++) vocab[pieces[id].Piece] = id; // HF's token_to_ids: a repeated piece keeps its last id
        return vocab;
    }

    public override void Tokenize(ReadOnlySpan<char> word, List<int> output, ModelScratch scratch)
    {
        int n = word.Length;
        var (best, startsAt, ids) = scratch.Lattice(n + 1);
        for (int i = 0; i <= n; i++) startsAt[i] = -1;
        best[0] = 0;
        for (int start = 0; start < n;)
        {
            int width = char.IsHighSurrogate(word[start]) && start + 1 < n && char.IsLowSurrogate(word[start + 1]) ? 2 : 1;
            double here = best[start];
            bool singleCodePoint = false;
            int longest = Math.Min(_maxPieceLength, n - start);
            for (int length = 1; length <= longest; length++)
            {
                // A piece never ends inside a surrogate pair (pieces are whole strings).
                if (start + length < n && char.IsLowSurrogate(word[start + length]) && char.IsHighSurrogate(word[start + length - 1])) continue;
                if (!VocabBySpan.TryGetValue(word.Slice(start, length), out int id)) continue;
                int end = start + length;
                double candidate = _scores[id] + here;
                if (startsAt[end] < 0 || candidate > best[end]) { best[end] = candidate; startsAt[end] = start; ids[end] = id; }
                if (length == width) singleCodePoint = true;
            }
            if (!singleCodePoint)
            {
                int end = start + width;
                double candidate = _unkScore + here;
                if (startsAt[end] < 0 || candidate > best[end])
                {
                    if (_unkId < 0) throw new InvalidOperationException($"the Unigram model has no unk_id, so it cannot encode U+{char.ConvertToUtf32(word[start], width == 2 ? word[start + 1] : 'a'):X4}");
                    best[end] = candidate; startsAt[end] = start; ids[end] = _unkId;
                }
            }
            start += width;
        }

        // Back from the end: segments in reverse, consecutive unks fused.
        var segments = scratch.Segments;
        segments.Clear();
        int fusedEnd = -1;
        for (int end = n; end > 0;)
        {
            int start = startsAt[end];
            if (ids[end] == _unkId)
            {
                if (fusedEnd < 0) fusedEnd = end;
            }
            else
            {
                if (fusedEnd >= 0) { segments.Add((end, fusedEnd, -1)); fusedEnd = -1; }
                segments.Add((start, end, ids[end]));
            }
            end = start;
        }
        if (fusedEnd >= 0) segments.Add((0, fusedEnd, -1));

        for (int k = segments.Count - 1; k >= 0; k--)
        {
            var (s, e, id) = segments[k];
            if (id >= 0) { output.Add(id); continue; }
            var text = word[s..e];
            if (VocabBySpan.TryGetValue(text, out int known)) { output.Add(known); continue; }
            if (!ByteFallback || !AddBytes(text, output)) output.Add(_unkId);
        }
    }

    private bool AddBytes(ReadOnlySpan<char> text, List<int> output)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(Math.Min(text.Length, 64))];
        if (text.Length > 64) utf8 = new byte[Encoding.UTF8.GetMaxByteCount(text.Length)];
        int count = Encoding.UTF8.GetBytes(text, utf8);
        int mark = output.Count;
        Span<char> hex = stackalloc char[6];
        for (int b = 0; b < count; b++)
        {
            "<0x".AsSpan().CopyTo(hex);
            hex[3] = "0123456789ABCDEF"[utf8[b] >> 4];
            hex[4] = "0123456789ABCDEF"[utf8[b] & 15];
            hex[5] = '>';
            if (!VocabBySpan.TryGetValue(hex, out int id)) { output.RemoveRange(mark, output.Count - mark); return false; }
            output.Add(id);
        }
        return true;
    }
}
