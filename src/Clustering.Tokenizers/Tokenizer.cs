
using Clustering.Tokenizers.Decoding;
using Clustering.Tokenizers.Loading;
using Clustering.Tokenizers.Models;
using Clustering.Tokenizers.Normalization;
using Clustering.Tokenizers.PostProcessing;
using Clustering.Tokenizers.PreTokenization;

namespace Clustering.Tokenizers;

/// <summary>
/// A Hugging Face tokenizer (tokenizer.json, or vocab.json + merges.txt + tokenizer_config.json) whose ids equal
/// Hugging Face tokenizers'. Pipeline per text: added tokens split out of the raw text → normalizer → normalized added
/// tokens → pre-tokenizer → model: BPE, WordPiece or Unigram (word cache) → truncation → post-processor. Thread-safe: every thread encodes with its
/// own scratch buffers and word cache, behind one shared read-mostly word cache.
/// </summary>
public sealed partial class Tokenizer
{
    internal Normalizer? Normalizer { get; }
    internal PreTokenizer? PreTokenizer { get; }
    internal TokenizerModel Model { get; }
    internal AddedVocabulary AddedVocabulary { get; }
    internal PostProcessor? PostProcessor { get; }
    internal Decoder? Decoder { get; }
    /// <summary>Where it was loaded from (for messages).</summary>
    public string Source { get; }
    /// <summary>
    /// max_length of the file's own "truncation" section (0 when null): Hugging Face applies it to every encode, so
    /// <see cref="Encode"/> uses it when called with maxLength 0.
    /// </summary>
    public int DefaultMaxLength { get; init; }
    /// <summary>Words cached per thread (0 turns both word caches off).</summary>
    public int WordCacheCapacity { get; init; } = 50_000;
    /// <summary>Words cached for all threads together, behind the per-thread caches.</summary>
    public int SharedWordCacheCapacity { get; init; } = 200_000;

    private readonly ThreadLocal<EncodeScratch> _scratch;
    private readonly Lazy<SharedWordCache> _sharedCacheLazy;
    private SharedWordCache _sharedCache => _sharedCacheLazy.Value;

    internal Tokenizer(string source, Normalizer? normalizer, PreTokenizer? preTokenizer, TokenizerModel model, AddedVocabulary added,
        PostProcessor? postProcessor, Decoder? decoder)
    {
        Source = source;
        Normalizer = normalizer;
        PreTokenizer = preTokenizer;
        Model = model;
        AddedVocabulary = added;
        PostProcessor = postProcessor;
        Decoder = decoder;
        _scratch = new ThreadLocal<EncodeScratch>(() => new EncodeScratch(WordCacheCapacity));
        // Lazy: the capacity is an init property, set after this constructor runs.
        _sharedCacheLazy = new Lazy<SharedWordCache>(() => new SharedWordCache(SharedWordCacheCapacity));
        int size = model.VocabSize;
        foreach (var t in added.Tokens) size = Math.Max(size, t.Id + 1);
        VocabSize = size;
    }

    /// <summary>
    /// Loads a tokenizer.json file, or a directory holding tokenizer.json, or vocab.json + merges.txt (+ tokenizer_config.json).
    /// Throws <see cref="ClusteringException"/> naming the file and field for anything malformed or unsupported.
    /// </summary>
    public static Tokenizer Load(string path) => TokenizerLoader.Load(path);

    /// <summary>Number of ids: the model's vocabulary and the added tokens (the largest id + 1).</summary>
    public int VocabSize { get; }

    /// <summary>How many special tokens the post-processor adds to one sequence.</summary>
    public int SpecialTokensAdded => PostProcessor?.AddedTokens ?? 0;

    public int? TokenToId(string token)
    {
        if (AddedVocabulary.TryGetByContent(token, out var added)) return added.Id;
        return Model.Vocab.TryGetValue(token, out int id) ? id : null;
    }

    public string? IdToToken(int id)
    {
        if (AddedVocabulary.TryGetById(id, out var added)) return added.Content;
        return id >= 0 && id < Model.IdToToken.Length ? Model.IdToToken[id] : null;
    }

    /// <summary>
    /// Encodes one text. <paramref name="maxLength"/> &gt; 0 truncates as Hugging Face (right side): the content is cut to
    /// maxLength minus the special tokens the post-processor adds, so those are kept.
    /// </summary>
    public EncodedText Encode(string text, bool addSpecialTokens = true, int maxLength = 0)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        var s = _scratch.Value!;
        var content = s.Content;
        content.Clear();
        EncodeContent(text, content, s);

        bool truncated = false;
        if (maxLength == 0) maxLength = DefaultMaxLength;
        if (maxLength > 0)
        {
            int added = addSpecialTokens ? SpecialTokensAdded : 0;
            int keep = maxLength - added;
            if (keep < 0)
                throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, $"max length {maxLength} is shorter than the {added} special tokens the tokenizer adds");
            if (content.Count > keep) { content.RemoveRange(keep, content.Count - keep); truncated = true; }
        }
        if (PostProcessor is null) return new EncodedText(content.ToArray(), truncated);
        PostProcessor.Process(content, addSpecialTokens, s.Final);
        return new EncodedText(s.Final.ToArray(), truncated);
    }

    /// <summary>Encodes many texts on <paramref name="threads"/> threads (0 = all cores); results in input order.</summary>
    public EncodedText[] EncodeBatch(IReadOnlyList<string> texts, bool addSpecialTokens = true, int maxLength = 0, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var results = new EncodedText[texts.Count];
        if (threads == 1 || texts.Count < 2)
        {
            for (int i = 0; i < texts.Count; i++) results[i] = Encode(texts[i], addSpecialTokens, maxLength);
            return results;
        }
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        // Chunks of at most 32 texts: handing out a chunk costs about a microsecond, a text tens of microseconds, and
        // the batch ends when the last chunk does. The earlier 256-text chunks gave a 20 MB batch on 16 threads about
        // eight chunks per thread, so the last one could leave the other threads idle for up to an eighth of the batch.
        var ranges = System.Collections.Concurrent.Partitioner.Create(0, texts.Count, Math.Clamp(texts.Count / (options.MaxDegreeOfParallelism * 8), 1, 32));
        Parallel.ForEach(ranges, options, range =>
        {
            for (int i = range.Item1; i < range.Item2; i++) results[i] = Encode(texts[i], addSpecialTokens, maxLength);
        });
        return results;
    }

    /// <summary>
    /// Ids back to text as Hugging Face's decode: each id becomes its token (added tokens by content), special tokens are
    /// dropped when <paramref name="skipSpecialTokens"/>, and the decoder turns the tokens into text. Unknown ids are skipped.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var tokens = new List<string>(ids.Length);
        foreach (int id in ids)
        {
            string? token;
            if (AddedVocabulary.TryGetById(id, out var added))
            {
                if (skipSpecialTokens && AddedVocabulary.IsSpecialContent(added.Content)) continue;
                token = added.Content;
            }
            else token = id >= 0 && id < Model.IdToToken.Length ? Model.IdToToken[id] : null;
            if (token is not null) tokens.Add(token);
        }
        if (Decoder is null) return string.Join(" ", tokens);
        return string.Concat(Decoder.DecodeChain(tokens));
    }

    private void EncodeContent(string text, List<int> ids, EncodeScratch s)
    {
        var segments = s.Segments;
        segments.Clear();
        AddedVocabulary.ExtractAndNormalize(text, segments, s.Swap);
        foreach (var segment in segments)
        {
            if (segment.IsAddedToken) { ids.Add(segment.AddedTokenId); continue; }
            if (PreTokenizer is null) { Tokenize(segment.Span, ids, s); continue; }
            var pieces = s.Pieces;
            pieces.Clear();
            PreTokenizer.Split(segment, pieces, s.PreTokenize);
            foreach (var piece in pieces) Tokenize(piece.Span, ids, s);
        }
    }

    private void Tokenize(ReadOnlySpan<char> word, List<int> ids, EncodeScratch s)
    {
        if (word.Length == 0) return;
        if (s.Cache.TryGet(word, out var cached)) { ids.AddRange(cached); return; }
        bool cacheable = word.Length <= WordCache.MaxWordLength && WordCacheCapacity > 0;
        if (cacheable && _sharedCache.TryGet(word, out string key, out cached))
        {
            s.Cache.Add(key, cached);
            ids.AddRange(cached);
            return;
        }
        int mark = ids.Count;
        Model.Tokenize(word, ids, s.Model);
        if (!cacheable) return;
        var result = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ids)[mark..].ToArray();
        var wordKey = new string(word); // one key string for both caches
        s.Cache.Add(wordKey, result);
        _sharedCache.Add(wordKey, result);
    }

    /// <summary>One thread's reusable buffers.</summary>
    private sealed class EncodeScratch(int cacheCapacity)
    {
        public readonly List<int> Content = new(1024);
        public readonly List<int> Final = new(1024);
        public readonly List<Piece> Segments = new();
        public readonly List<Piece> Swap = new();
        public readonly List<Piece> Pieces = new(256);
        public readonly PreTokenizeScratch PreTokenize = new();
        public readonly ModelScratch Model = new();
        public readonly WordCache Cache = new(cacheCapacity);
    }
}
