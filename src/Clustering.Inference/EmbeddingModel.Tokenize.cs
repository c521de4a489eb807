using Clustering.Tokenizers;

namespace Clustering.Inference;

// Text → ids for this model: the prompt, the tokenizer's special tokens, truncation to the max length.
public sealed partial class EmbeddingModel
{
    private Tokenizer? _tokenizer;

    /// <summary>The model's tokenizer, or null when the directory has none and no tokenizer path was given.</summary>
    public Tokenizer? Tokenizer => _tokenizer;

    private void UseTokenizer(Tokenizer tokenizer)
    {
        _tokenizer = tokenizer;
        if (MaxLength <= _tokenizer.SpecialTokensAdded)
            throw new ClusteringException($"--max-length {MaxLength} leaves no room for text beside the {_tokenizer.SpecialTokensAdded} special tokens the tokenizer adds");
    }

    /// <summary>
    /// Prompt + text, encoded with the special tokens the tokenizer's post-processor adds (Qwen3: a trailing
    /// &lt;|endoftext|&gt;) and truncated to <see cref="MaxLength"/> keeping them. Thread-safe.
    /// </summary>
    public EncodedText Tokenize(string text)
    {
        var encoded = Tokenize(text, Prompt, MaxLength);
        if (encoded.Ids.Length == 0) throw new ClusteringException("the text encodes to no tokens");
        return encoded;
    }

    /// <summary>
    /// <paramref name="prompt"/> + text with the special tokens, truncated to <paramref name="maxLength"/> keeping them
    /// (null: not truncated, so the caller can refuse a long input). Thread-safe.
    /// </summary>
    public EncodedText Tokenize(string text, string prompt, int? maxLength)
    {
        var tokenizer = _tokenizer ?? throw new ClusteringException($"{ModelPath} has no tokenizer (tokenizer.json or vocab.json + merges.txt); give one with --tokenizer");
        return tokenizer.Encode(prompt.Length == 0 ? text : prompt + text, addSpecialTokens: true, maxLength: maxLength ?? int.MaxValue);
    }
}
