namespace Clustering.Tokenizers.Models;

/// <summary>
/// WordPiece as Hugging Face's models/wordpiece: greedy longest match from the left, pieces after the first looked up
/// with the continuing-subword prefix ("##"). A word with a part no piece matches, or longer than
/// max_input_chars_per_word code points, becomes the unk token alone.
/// </summary>
internal sealed class WordPieceModel : TokenizerModel
{
    private readonly int _unkId;

    public WordPieceModel(Dictionary<string, int> vocab, string unkToken, string continuingSubwordPrefix, int maxInputCharsPerWord, Func<string, Exception> fail)
        : base(vocab)
    {
        if (!vocab.TryGetValue(unkToken, out _unkId)) throw fail($"unk_token \"{unkToken}\" is not in the vocabulary");
        UnkToken = unkToken;
        ContinuingSubwordPrefix = continuingSubwordPrefix;
        MaxInputCharsPerWord = maxInputCharsPerWord;
    }

    public string UnkToken { get; }
    public string ContinuingSubwordPrefix { get; }
    public int MaxInputCharsPerWord { get; }

    public override void Tokenize(ReadOnlySpan<char> word, List<int> output, ModelScratch scratch)
    {
        if (CodePoints(word) > MaxInputCharsPerWord) { output.Add(_unkId); return; }
        int mark = output.Count;
        string prefix = ContinuingSubwordPrefix;
        var key = scratch.Chars(prefix.Length + word.Length);
        prefix.AsSpan().CopyTo(key);
        for (int start = 0; start < word.Length;)
        {
            int end = word.Length, found = -1;
            while (start < end)
            {
                ReadOnlySpan<char> candidate;
                if (start == 0) candidate = word[..end];
                else
                {
                    word[start..end].CopyTo(key.AsSpan(prefix.Length));
                    candidate = key.AsSpan(0, prefix.Length + end - start);
                }
                if (VocabBySpan.TryGetValue(candidate, out found)) break;
                found = -1;
                // One code point shorter (a surrogate pair is one).
                end -= end - 2 >= start && char.IsLowSurrogate(word[end - 1]) && char.IsHighSurrogate(word[end - 2]) ? 2 : 1;
            }
            if (found < 0)
            {
                output.RemoveRange(mark, output.Count - mark);
                output.Add(_unkId);
                return;
            }
            output.Add(found);
            start = end;
        }
    }

    private static int CodePoints(ReadOnlySpan<char> word)
    {
        int n = word.Length;
        for (int i = 1; i < word.Length; i++)
            if (char.IsLowSurrogate(word[i]) && char.IsHighSurrogate(word[i - 1])) n--;
        return n;
    }
}
