namespace Clustering.Models;

/// <summary>
/// The sizes in config.json of a model another runtime executes (an ONNX export of BERT, XLM-R, MiniLM, ...): what
/// the engine around it needs to check options and size buffers. Fields as Hugging Face names them.
/// </summary>
/// <param name="MaxPositions">Tokens one input may have: max_position_embeddings, less the two that RoBERTa-style
/// models (roberta, xlm-roberta, camembert) reserve before their first position.</param>
public sealed record EncoderConfig(string ModelType, int HiddenSize, int VocabSize, int MaxPositions, int NumHiddenLayers)
{
    public static EncoderConfig Load(string path)
    {
        using var document = JsonFields.ParseObjectFile(path);
        var root = document.RootElement;
        string modelType = JsonFields.OptionalString(root, "model_type", path) ?? "";
        int positions = JsonFields.RequiredPositiveInt(root, "max_position_embeddings", path);
        if (modelType is "roberta" or "xlm-roberta" or "camembert") positions -= 2;
        if (positions < 1) throw new InputFormatException(path, "max_position_embeddings", "leaves no position for a token");
        return new EncoderConfig(modelType,
            JsonFields.RequiredPositiveInt(root, "hidden_size", path),
            JsonFields.RequiredPositiveInt(root, "vocab_size", path),
            positions,
            JsonFields.OptionalPositiveInt(root, "num_hidden_layers", path) ?? 0);
    }
}
