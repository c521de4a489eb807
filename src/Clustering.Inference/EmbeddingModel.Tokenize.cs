namespace Clustering.Inference;

// Placeholder until the tokenizer lands: ids-only use.
public sealed partial class EmbeddingModel
{
    private void LoadTokenizer(EmbeddingOptions options) { }
}
