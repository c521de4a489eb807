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
        // Describe checks the options against the config (dimensions, max length, prompt) as the engine will.
        var description = EmbeddingDescriptions.Describe(spec);
        if (ModelBackends.Of(spec.Model) == ModelBackend.Onnx)
        {
            Tokenizer.Load(OnnxModelDirectory.Open(spec.Model).TokenizerPath!);
            return description;
        }
        using (var model = ModelDirectory.Open(spec.Model))
        {
            var tokenizer = model.TokenizerPath ?? throw new InputFormatException(Path.Combine(model.Path, "tokenizer.json"), null,
                "not found: the model folder has no tokenizer (tokenizer.json, vocab.json + merges.txt, or a BERT vocab.txt)");
            Tokenizer.Load(tokenizer); // refuses malformed JSON and unsupported components, naming the JSON path
        }
        return description;
    }
}
