using System.Globalization;
using System.Text;
using Clustering.Tokenizers.Models;

namespace Clustering.Tokenizers;

// Token ids with the characters of the original text each one came from, so a caller can cut a text into token windows
// and say which passage each window holds. Known exactly for byte-level BPE (Qwen3, GPT-2 style): the tokens' bytes,
// concatenated, are the UTF-8 of the normalized text, so a token's place follows from the byte counts before it.
public sealed partial class Tokenizer
{
    /// <summary>True when <see cref="EncodeWithSpans"/> can say where each token came from (byte-level BPE).</summary>
    public bool MapsSpans => Model is BpeModel { ByteLevelInput: true };

    /// <summary>
    /// The text's content ids (no special tokens, no truncation) and, per token, [start, end) in Unicode code points
    /// of <paramref name="text"/>. A token holding part of a character's UTF-8 bytes covers the whole character, and a
    /// character the normalizer composes from several (e + U+0301 → é) maps to all of them, as Hugging Face's offsets do.
    /// </summary>
    public TokenSpans EncodeWithSpans(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!MapsSpans)
            throw new ClusteringException($"{Source}: token positions in the text are known for byte-level BPE tokenizers (Qwen3, GPT-2 style) only");
        var s = _scratch.Value!;
        s.Content.Clear();
        EncodeContent(text, s.Content, s);
        var ids = s.Content.ToArray();

        var bytes = new List<byte>(text.Length + 16);
        var byteEnds = new int[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            if (AddedVocabulary.TryGetById(ids[i], out var added)) bytes.AddRange(Encoding.UTF8.GetBytes(added.Content));
            else if (Model.IdToToken[ids[i]] is not { } token || !ByteLevelAlphabet.TryGetBytes(token, bytes))
                throw new ClusteringException($"{Source}: token {ids[i]} is not a byte-level token; its position in the text is unknown");
            byteEnds[i] = bytes.Count;
        }
        var tokenized = Encoding.UTF8.GetString(bytes.ToArray());
        var (elementStart, elementEnd) = AlignToOriginal(text, tokenized);

        // Code point of the tokenized text holding each byte.
        var pointOfByte = new int[bytes.Count + 1];
        int point = 0, b = 0;
        foreach (var rune in tokenized.EnumerateRunes())
        {
            for (int k = 0; k < rune.Utf8SequenceLength; k++) pointOfByte[b++] = point;
            point++;
        }
        pointOfByte[b] = point;

        var starts = new int[ids.Length];
        var ends = new int[ids.Length];
        int begin = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            starts[i] = elementStart[pointOfByte[begin]];
            ends[i] = elementEnd[pointOfByte[byteEnds[i] - 1]];
            begin = byteEnds[i];
        }
        return new TokenSpans(ids, starts, ends);
    }

    /// <summary>
    /// The ids the model reads for <paramref name="content"/>: the post-processor's special tokens added (Qwen3: a
    /// trailing &lt;|endoftext|&gt;), as <see cref="Encode"/> adds them.
    /// </summary>
    public int[] WithSpecialTokens(ReadOnlySpan<int> content)
    {
        if (PostProcessor is null) return content.ToArray();
        var s = _scratch.Value!;
        s.Content.Clear();
        foreach (int id in content) s.Content.Add(id);
        PostProcessor.Process(s.Content, addSpecialTokens: true, s.Final);
        return s.Final.ToArray();
    }

    /// <summary>
    /// For each code point of the tokenized (normalized) text, the original code points it came from. Identity when
    /// normalization changed nothing (the common case); otherwise each grapheme cluster of the original is normalized
    /// on its own (NFC composes only within one), and every code point it yields maps to the whole cluster.
    /// </summary>
    private (int[] Start, int[] End) AlignToOriginal(string text, string tokenized)
    {
        int count = CountPoints(tokenized);
        var start = new int[count];
        var end = new int[count];
        if (string.Equals(text, tokenized, StringComparison.Ordinal))
        {
            for (int i = 0; i < count; i++) { start[i] = i; end[i] = i + 1; }
            return (start, end);
        }
        var rebuilt = new StringBuilder(tokenized.Length);
        int original = 0, produced = 0;
        var elements = StringInfo.GetTextElementEnumerator(text);
        while (elements.MoveNext())
        {
            var element = (string)elements.Current;
            int lead = 0;
            var normalized = Normalizer is null ? element : Normalizer.Normalize(element, ref lead);
            int width = CountPoints(element), made = CountPoints(normalized);
            for (int k = 0; k < made && produced + k < count; k++) { start[produced + k] = original; end[produced + k] = original + width; }
            rebuilt.Append(normalized);
            original += width;
            produced += made;
        }
        if (!string.Equals(rebuilt.ToString(), tokenized, StringComparison.Ordinal))
            throw new ClusteringException("the text's normalized form cannot be aligned with the original, so chunk positions are unknown");
        return (start, end);
    }

    private static int CountPoints(string s)
    {
        int n = 0;
        foreach (var _ in s.EnumerateRunes()) n++;
        return n;
    }
}

/// <summary>Content ids and, per token, its [start, end) in Unicode code points of the original text.</summary>
public sealed record TokenSpans(int[] Ids, int[] Starts, int[] Ends);
