namespace Clustering.Models;

/// <summary>
/// A model directory for ONNX Runtime: model.onnx (or onnx/model.onnx, as Optimum exports it), config.json (sizes),
/// a tokenizer (tokenizer.json, or vocab.txt for BERT) and the sentence-transformers files, whose Pooling module must
/// be there: an encoder has no pooling of its own to fall back to. Everything is checked here, before any work.
/// </summary>
public sealed record OnnxModelDirectory(string Path, string OnnxPath, EncoderConfig Config, SentenceTransformersConfig SentenceTransformers,
    string? TokenizerPath, string ModelId)
{
    /// <summary>The ONNX file of a directory, or null when it has none (then it is not an ONNX model directory).</summary>
    public static string? FindOnnx(string directory)
    {
        foreach (var candidate in new[] { "model.onnx", System.IO.Path.Combine("onnx", "model.onnx") })
        {
            string file = System.IO.Path.Combine(directory, candidate);
            if (File.Exists(file)) return file;
        }
        return null;
    }

    public static OnnxModelDirectory Open(string path, string? tokenizerPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw new InputFormatException(path, null, "model directory not found");
        LocalPaths.CheckAllowedTree(full, "model"); // a silo's --allow-paths: no file of the model may lead outside
        string onnx = FindOnnx(full) ?? throw new InputFormatException(full, null, "no model.onnx (nor onnx/model.onnx) in this directory");
        string configPath = System.IO.Path.Combine(full, ModelDirectory.ConfigFileName);
        var config = EncoderConfig.Load(configPath);
        var st = SentenceTransformersConfig.Load(full);
        if (st.PoolingSource is null)
            throw new InputFormatException(full, null, "no pooling: an ONNX encoder needs the sentence-transformers Pooling config (1_Pooling/config.json, or the Pooling module modules.json names)");
        if (st.WordEmbeddingDimension is int dimension && dimension != config.HiddenSize)
            throw new InputFormatException(st.PoolingSource, "word_embedding_dimension", $"{dimension} differs from hidden_size {config.HiddenSize} in {configPath}");
        string tokenizer = tokenizerPath ?? ModelDirectory.FindTokenizer(full)
            ?? throw new InputFormatException(full, null, "no tokenizer: expected tokenizer.json, or vocab.txt (BERT), in this directory (or give --tokenizer)");
        return new OnnxModelDirectory(full, onnx, config, st, tokenizer, ModelDirectory.ModelIdOf(full, configPath));
    }
}
