namespace Clustering.Tokenizers.Models;

/// <summary>
/// A Hugging Face tokenizer model (BPE, WordPiece, Unigram): turns one pre-tokenized word into ids. Deterministic per
/// word, so the tokenizer's word caches sit in front of every model.
/// </summary>
internal abstract class TokenizerModel
{
    protected TokenizerModel(Dictionary<string, int> vocab)
    {
        Vocab = vocab;
        VocabBySpan = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        int size = 0;
        foreach (var id in vocab.Values) size = Math.Max(size, id + 1);
        IdToToken = new string?[size];
        foreach (var (token, id) in vocab) IdToToken[id] = token;
    }

    public Dictionary<string, int> Vocab { get; }
    public Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> VocabBySpan { get; }
    public string?[] IdToToken { get; }
    public int VocabSize => IdToToken.Length;

    /// <summary>Appends the ids of one word (never empty) to <paramref name="output"/>.</summary>
    public abstract void Tokenize(ReadOnlySpan<char> word, List<int> output, ModelScratch scratch);
}
