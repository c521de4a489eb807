namespace Clustering.Models;

/// <summary>
/// A Hugging Face model directory opened for the engine: config.json (Qwen3), the safetensors weights
/// (single or sharded, memory-mapped), the sentence-transformers files and where the tokenizer is.
/// <see cref="Open"/> validates everything, so a model that opens can be run; a bad directory is refused with an
/// <see cref="InputFormatException"/> naming the file and the field or tensor, before any work is taken.
/// </summary>
public sealed class ModelDirectory : IDisposable
{
    public const string ConfigFileName = "config.json";

    private ModelDirectory(string path, Qwen3Config config, SentenceTransformersConfig sentenceTransformers, TensorStore tensors,
        string? tokenizerPath, string modelId)
    {
        Path = path;
        Config = config;
        SentenceTransformers = sentenceTransformers;
        Tensors = tensors;
        TokenizerPath = tokenizerPath;
        ModelId = modelId;
    }

    /// <summary>The directory, as a full path.</summary>
    public string Path { get; }
    public Qwen3Config Config { get; }
    public SentenceTransformersConfig SentenceTransformers { get; }
    public TensorStore Tensors { get; }

    /// <summary>The directory when it holds a tokenizer (see <see cref="FindTokenizer"/>); null otherwise (pass --tokenizer).</summary>
    public string? TokenizerPath { get; }

    /// <summary>
    /// A name for the model in outputs: "org/name" for a Hugging Face cache snapshot
    /// (…/models--org--name/snapshots/&lt;rev&gt;), else the directory's name, else config.json's _name_or_path.
    /// </summary>
    public string ModelId { get; }

    public static ModelDirectory Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full))
            throw new InputFormatException(path, null, File.Exists(full) ? "is a file; expected a model directory" : "model directory not found");
        LocalPaths.CheckAllowedTree(full, "model"); // a silo's --allow-paths: no file of the model may lead outside

        string configPath = System.IO.Path.Combine(full, ConfigFileName);
        var config = Qwen3Config.Load(configPath);
        var sentenceTransformers = SentenceTransformersConfig.Load(full);
        if (sentenceTransformers.WordEmbeddingDimension is int dimension && dimension != config.HiddenSize)
            throw new InputFormatException(sentenceTransformers.PoolingSource!, "word_embedding_dimension",
                $"{dimension} differs from hidden_size {config.HiddenSize} in {configPath}");

        var tensors = TensorStore.Open(full);
        try
        {
            string weights = tensors.Files.Count == 1 ? tensors.Files[0] : System.IO.Path.Combine(full, TensorStore.IndexFileName);
            Qwen3Architecture.Verify(config, tensors, configPath, weights);
            return new ModelDirectory(full, config, sentenceTransformers, tensors, FindTokenizer(full), ModelIdOf(full, configPath));
        }
        catch
        {
            tensors.Dispose();
            throw;
        }
    }

    /// <summary>The directory when it holds a tokenizer: tokenizer.json, vocab.json + merges.txt, or a BERT vocab.txt; else null.</summary>
    public static string? FindTokenizer(string directory)
    {
        if (File.Exists(System.IO.Path.Combine(directory, "tokenizer.json"))) return directory;
        if (File.Exists(System.IO.Path.Combine(directory, "vocab.json")) && File.Exists(System.IO.Path.Combine(directory, "merges.txt"))) return directory;
        if (File.Exists(System.IO.Path.Combine(directory, "vocab.txt"))) return directory;
        return null;
    }

    /// <summary>The model's name in outputs (see <see cref="ModelId"/>).</summary>
    public static string ModelIdOf(string directory, string configPath)
    {
        string trimmed = System.IO.Path.TrimEndingDirectorySeparator(directory);
        string name = System.IO.Path.GetFileName(trimmed);
        var parent = System.IO.Path.GetDirectoryName(trimmed);
        // Hugging Face hub cache: models--Qwen--Qwen3-Embedding-0.6B/snapshots/<revision>
        if (parent is not null && System.IO.Path.GetFileName(parent) == "snapshots")
        {
            string? repo = System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(parent));
            if (repo is not null && repo.StartsWith("models--", StringComparison.Ordinal))
                return repo["models--".Length..].Replace("--", "/", StringComparison.Ordinal);
        }
        if (name.Length > 0) return name;
        try
        {
            using var document = JsonFields.ParseObjectFile(configPath);
            if (JsonFields.OptionalString(document.RootElement, "_name_or_path", configPath) is { Length: > 0 } named) return named;
        }
        catch (InputFormatException) { }
        return "model";
    }

    public void Dispose() => Tensors.Dispose();
}
