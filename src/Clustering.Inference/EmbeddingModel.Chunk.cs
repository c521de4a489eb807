using Clustering.Tokenizers;

namespace Clustering.Inference;

// Text → token windows (--chunk-tokens / --chunk-overlap), the way RAG pipelines feed long documents.
public sealed partial class EmbeddingModel
{
    /// <summary>
    /// Cuts <paramref name="text"/> into windows of <paramref name="chunkTokens"/> of its tokens, each starting
    /// <paramref name="chunkTokens"/> − <paramref name="overlap"/> tokens after the last; the last window ends at the
    /// text's last token (a text of at most chunkTokens tokens is one chunk). Each chunk's ids are the prompt's tokens,
    /// the window and the special tokens the tokenizer adds; its CharStart/CharEnd are code point offsets into
    /// <paramref name="text"/> (see <see cref="Tokenizer.EncodeWithSpans"/>). Thread-safe.
    /// </summary>
    public IReadOnlyList<TextChunk> Chunk(string text, int chunkTokens, int overlap)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkTokens, 1);
        if (overlap < 0 || overlap >= chunkTokens) throw new ArgumentOutOfRangeException(nameof(overlap), overlap, "the overlap must be at least 0 and below the chunk size");
        var tokenizer = _tokenizer ?? throw new ClusteringException($"{ModelPath} has no tokenizer (tokenizer.json or vocab.json + merges.txt); give one with --tokenizer");
        var prompt = Prompt.Length == 0 ? [] : tokenizer.Encode(Prompt, addSpecialTokens: false, maxLength: int.MaxValue).Ids;
        int room = MaxLength - prompt.Length - tokenizer.SpecialTokensAdded;
        if (chunkTokens > room)
            throw new ClusteringException($"--chunk-tokens {chunkTokens} does not fit --max-length {MaxLength} beside the prompt's {prompt.Length} and {tokenizer.SpecialTokensAdded} special tokens (at most {room})");
        var spans = tokenizer.EncodeWithSpans(text);
        int count = spans.Ids.Length;
        if (count == 0) throw new ClusteringException("the text encodes to no tokens");

        var chunks = new List<TextChunk>(count / (chunkTokens - overlap) + 1);
        var window = new int[prompt.Length + chunkTokens];
        prompt.CopyTo(window, 0);
        for (int start = 0; ; start += chunkTokens - overlap)
        {
            int end = Math.Min(start + chunkTokens, count);
            spans.Ids.AsSpan(start, end - start).CopyTo(window.AsSpan(prompt.Length));
            var ids = tokenizer.WithSpecialTokens(window.AsSpan(0, prompt.Length + end - start));
            chunks.Add(new TextChunk(chunks.Count, spans.Starts[start], spans.Ends[end - 1], ids));
            if (end == count) return chunks;
        }
    }
}

/// <summary>Refuses chunking up front when this model's tokenizer cannot say where its tokens lie in the text.</summary>
public static class ChunkingSupport
{
    public static void Check(EmbeddingModel model)
    {
        if (model.Tokenizer is { MapsSpans: false } tokenizer)
            throw new ClusteringException($"--chunk-tokens: the tokenizer {tokenizer.Source} is not byte-level BPE (Qwen3, GPT-2 style), so chunk positions in the text are unknown");
    }
}

/// <summary>One window of a document: its index, [CharStart, CharEnd) in code points of the text, and the ids to embed.</summary>
public sealed record TextChunk(int Index, int CharStart, int CharEnd, int[] Ids);
