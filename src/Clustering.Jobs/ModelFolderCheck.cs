using Clustering.Inference;
using Clustering.Models;
using Clustering.Pipeline;
using Clustering.Tokenizers;

namespace Clustering.Jobs;

/// <summary>
/// The whole model folder checked as a worker will load it, without loading weights: config.json, the safetensors
/// headers against the architecture, the sentence-transformers files, the job's options against them, and the
/// tokenizer (present, parseable, every component supported). A bad folder is refused here, before planning or
/// leasing, with `&lt;file&gt; (&lt;field&gt;): &lt;reason&gt;`; without this a job without a tokenizer "succeeded" with
/// every line an error, and a garbage tokenizer.json was found only by every shard's retries.
/// </summary>
public static class ModelFolderCheck
{
    public static EmbeddingDescription Check(JobSpec spec)
    {
        var description = EmbeddingDescriptions.Describe(spec);
        if (ModelBackends.Of(spec.Model) == ModelBackend.Onnx)
        {
            // An ONNX folder: Describe opened it (config, pooling, tokenizer present); the job's default max length
            // means the model's limit there (see EmbeddingDescriptions.EngineOptionsOf), any other is checked.
            var onnx = OnnxModelDirectory.Open(spec.Model);
            var positions = onnx.Config.MaxPositions;
            if (spec.Embed.MaxLength != EmbeddingOptions.DefaultMaxLength && (spec.Embed.MaxLength < 1 || spec.Embed.MaxLength > positions))
                throw new ClusteringException($"--max-length {spec.Embed.MaxLength} is outside 1..{positions} (the most positions {onnx.Path} has)");
            Tokenizer.Load(onnx.TokenizerPath!);
            return description;
        }
        using (var model = ModelDirectory.Open(spec.Model))
        {
            var max = model.Config.MaxPositionEmbeddings;
            if (spec.Embed.MaxLength is var length && (length < 1 || length > max))
                throw new ClusteringException($"--max-length {length} is outside 1..{max} (the most positions {model.Path} has)");
            var tokenizer = model.TokenizerPath ?? throw new InputFormatException(Path.Combine(model.Path, "tokenizer.json"), null,
                "not found: the model folder has no tokenizer (tokenizer.json, vocab.json + merges.txt, or a BERT vocab.txt)");
            Tokenizer.Load(tokenizer); // refuses malformed JSON and unsupported components, naming the JSON path
        }
        return description;
    }
}
