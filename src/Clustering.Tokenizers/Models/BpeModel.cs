using System.Buffers;
using System.Text;

namespace Clustering.Tokenizers.Models;

/// <summary>
/// Byte-pair encoding as Hugging Face's models/bpe: a word becomes its characters (or, for a byte-level vocabulary, its
/// UTF-8 bytes), each looked up with the continuing-subword prefix (not first) and end-of-word suffix (last); unknown
/// units become unk (fused if fuse_unk), byte-fallback tokens, or are dropped; then the lowest-ranked adjacent pair is
/// merged until none is left (leftmost first among equal ranks). The spec is <see cref="BpeReference"/>.
/// </summary>
internal sealed class BpeModel : TokenizerModel
{
    private const int QuadraticLimit = 96; // longer words use the heap merge (HF's algorithm); shorter ones the rank array

    public MergeTable Merges { get; }
    public string? UnkToken { get; init; }
    public bool FuseUnk { get; init; }
    public bool ByteFallback { get; init; }
    public bool IgnoreMerges { get; init; }
    public string? ContinuingSubwordPrefix { get; init; }
    public string? EndOfWordSuffix { get; init; }
    /// <summary>True when the ByteLevel pre-tokenizer precedes the model: words are read as UTF-8 bytes.</summary>
    public bool ByteLevelInput { get; private set; }

    private int[] _byteIds = [];      // (256) id of the byte's character alone, or -1
    private int _unkId = -1;

    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, string? continuingSubwordPrefix, Func<string, Exception> fail)
        : base(vocab)
    {
        ContinuingSubwordPrefix = continuingSubwordPrefix;
        Merges = new MergeTable(merges.Count);
        int prefixLength = continuingSubwordPrefix?.Length ?? 0;
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (a, b) = merges[rank];
            if (!vocab.TryGetValue(a, out int aId)) throw fail($"merge {rank} (\"{a} {b}\"): \"{a}\" is not in the vocabulary");
            if (!vocab.TryGetValue(b, out int bId)) throw fail($"merge {rank} (\"{a} {b}\"): \"{b}\" is not in the vocabulary");
            string mergedToken = a + (prefixLength <= b.Length ? b[prefixLength..] : "");
            if (!vocab.TryGetValue(mergedToken, out int mId)) throw fail($"merge {rank} (\"{a} {b}\"): the merged token \"{mergedToken}\" is not in the vocabulary");
            Merges.Set(aId, bId, rank, mId);
        }
    }

    /// <summary>Called once at load: the unk id and the byte tables (not in the constructor: init properties come later).</summary>
    public void Prepare(bool byteLevelInput, Func<string, Exception> fail)
    {
        ByteLevelInput = byteLevelInput;
        if (UnkToken is not null && !Vocab.TryGetValue(UnkToken, out _unkId))
            throw fail($"unk_token \"{UnkToken}\" is not in the vocabulary");
        _byteIds = new int[256];
        for (int b = 0; b < 256; b++)
            _byteIds[b] = Vocab.TryGetValue(ByteLevelAlphabet.ByteToChar[b].ToString(), out int id) ? id : -1;
    }

    /// <summary>Appends the ids of one pre-tokenized word (uncached).</summary>
    public override void Tokenize(ReadOnlySpan<char> word, List<int> output, ModelScratch scratch)
    {
        if (word.Length == 0) return;
        if (IgnoreMerges && VocabBySpan.TryGetValue(ByteLevelInput ? scratch.MapToByteLevel(word) : word, out int whole))
        {
            output.Add(whole);
            return;
        }
        int count = ByteLevelInput ? InitialFromBytes(word, scratch) : InitialFromChars(word, scratch);
        var ids = scratch.Symbols;
        count = count <= QuadraticLimit ? MergeShort(ids, count, scratch.Ranks) : MergeLong(ids, count, scratch);
        for (int i = 0; i < count; i++) output.Add(ids[i]);
    }

    private int InitialFromBytes(ReadOnlySpan<char> word, ModelScratch scratch)
    {
        int byteCount = Encoding.UTF8.GetByteCount(word);
        var bytes = scratch.Bytes(byteCount);
        Encoding.UTF8.GetBytes(word, bytes);
        scratch.EnsureSymbols(byteCount * 2 + 8);
        if (ContinuingSubwordPrefix is null && EndOfWordSuffix is null)
        {
            int n = 0;
            var ids = scratch.Symbols;
            bool allKnown = true;
            for (int i = 0; i < byteCount; i++)
            {
                int id = _byteIds[bytes[i]];
                if (id < 0) { allKnown = false; break; }
                ids[n++] = id;
            }
            if (allKnown) return n;
        }
        // General path: the same unit rules as characters, with each byte's character as the unit.
        scratch.EnsureSymbols(byteCount * (6 + 3 * ((ContinuingSubwordPrefix?.Length ?? 0) + (EndOfWordSuffix?.Length ?? 0))) + 8);
        var units = scratch.Chars(byteCount);
        for (int i = 0; i < byteCount; i++) units[i] = ByteLevelAlphabet.ByteToChar[bytes[i]];
        return InitialFromUnits(units.AsSpan(0, byteCount), scratch, unitIsChar: true);
    }

    private int InitialFromChars(ReadOnlySpan<char> word, ModelScratch scratch)
    {
        scratch.EnsureSymbols(word.Length * (6 + 3 * ((ContinuingSubwordPrefix?.Length ?? 0) + (EndOfWordSuffix?.Length ?? 0))) + 8);
        return InitialFromUnits(word, scratch, unitIsChar: false);
    }

    /// <summary>Hugging Face's merge_word before merging: units (code points) to ids with prefix/suffix, unk, byte fallback.</summary>
    private int InitialFromUnits(ReadOnlySpan<char> text, ModelScratch scratch, bool unitIsChar)
    {
        var ids = scratch.Symbols;
        int n = 0;
        int pendingUnk = -1; // fuse_unk: an unk waiting to be emitted
        string prefix = ContinuingSubwordPrefix ?? "";
        string suffix = EndOfWordSuffix ?? "";
        Span<char> key = stackalloc char[prefix.Length + suffix.Length + 2];
        Span<byte> utf8 = stackalloc byte[(prefix.Length + suffix.Length + 2) * 3];
        Span<char> hex = stackalloc char[6];
        for (int i = 0; i < text.Length;)
        {
            int width = !unitIsChar && char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            bool first = i == 0, last = i + width == text.Length;
            int k = 0;
            if (!first) { prefix.AsSpan().CopyTo(key); k = prefix.Length; }
            text.Slice(i, width).CopyTo(key[k..]);
            k += width;
            if (last) { suffix.AsSpan().CopyTo(key[k..]); k += suffix.Length; }
            i += width;
            if (VocabBySpan.TryGetValue(key[..k], out int id))
            {
                if (pendingUnk >= 0) { ids[n++] = pendingUnk; pendingUnk = -1; }
                ids[n++] = id;
                continue;
            }
            if (ByteFallback)
            {
                int byteCount = Encoding.UTF8.GetBytes(key[..k], utf8);
                bool all = true;
                int mark = n;
                for (int b = 0; b < byteCount && all; b++)
                {
                    "<0x".AsSpan().CopyTo(hex);
                    hex[3] = "0123456789ABCDEF"[utf8[b] >> 4];
                    hex[4] = "0123456789ABCDEF"[utf8[b] & 15];
                    hex[5] = '>';
                    if (VocabBySpan.TryGetValue(hex, out int byteId)) ids[n++] = byteId;
                    else all = false;
                }
                if (all)
                {
                    // HF adds byte-fallback tokens without flushing a pending unk first.
                    continue;
                }
                n = mark;
            }
            if (_unkId >= 0)
            {
                if (pendingUnk >= 0 && !FuseUnk) ids[n++] = pendingUnk;
                pendingUnk = _unkId;
            }
        }
        if (pendingUnk >= 0) ids[n++] = pendingUnk;
        return n;
    }

    /// <summary>Merges with a rank per adjacent pair: O(n) lookups, O(n²) comparisons; fast for short words.</summary>
    private int MergeShort(int[] ids, int n, int[] ranks)
    {
        for (int i = 0; i + 1 < n; i++) ranks[i] = Merges.TryGet(ids[i], ids[i + 1], out int r, out _) ? r : int.MaxValue;
        while (n > 1)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i + 1 < n; i++)
                if (ranks[i] < bestRank) { bestRank = ranks[i]; best = i; }
            if (best < 0) break;
            Merges.TryGet(ids[best], ids[best + 1], out _, out int merged);
            ids[best] = merged;
            n--;
            for (int i = best + 1; i < n; i++) { ids[i] = ids[i + 1]; ranks[i] = ranks[i + 1]; }
            if (best > 0) ranks[best - 1] = Merges.TryGet(ids[best - 1], ids[best], out int r1, out _) ? r1 : int.MaxValue;
            if (best + 1 < n) ranks[best] = Merges.TryGet(ids[best], ids[best + 1], out int r2, out _) ? r2 : int.MaxValue;
        }
        return n;
    }

    /// <summary>Hugging Face's Word::merge_all: a linked list of symbols and a heap of (rank, position).</summary>
    private int MergeLong(int[] ids, int n, ModelScratch scratch)
    {
        var prev = scratch.Prev(n);
        var next = scratch.Next(n);
        var alive = scratch.Alive(n);
        for (int i = 0; i < n; i++) { prev[i] = i - 1; next[i] = i + 1 < n ? i + 1 : -1; alive[i] = true; }
        var queue = scratch.Queue;
        queue.Clear();
        for (int i = 0; i + 1 < n; i++)
            if (Merges.TryGet(ids[i], ids[i + 1], out int r, out int m)) queue.Enqueue((i, m), ((long)r << 32) | (uint)i);
        while (queue.TryDequeue(out var top, out long priority))
        {
            int pos = top.Item1;
            if (!alive[pos] || next[pos] < 0) continue;
            int right = next[pos];
            if (!Merges.TryGet(ids[pos], ids[right], out _, out int merged) || merged != top.Item2) continue;
            ids[pos] = merged;
            alive[right] = false;
            next[pos] = next[right];
            if (next[right] >= 0) prev[next[right]] = pos;
            if (prev[pos] >= 0 && Merges.TryGet(ids[prev[pos]], ids[pos], out int r1, out int m1))
                queue.Enqueue((prev[pos], m1), ((long)r1 << 32) | (uint)prev[pos]);
            if (next[pos] >= 0 && Merges.TryGet(ids[pos], ids[next[pos]], out int r2, out int m2))
                queue.Enqueue((pos, m2), ((long)r2 << 32) | (uint)pos);
        }
        int w = 0;
        for (int i = 0; i < n; i++) if (alive[i]) ids[w++] = ids[i];
        return w;
    }
}
