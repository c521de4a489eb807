using Clustering.Inference;
using Clustering.Models;

namespace Clustering.Pipeline;

/// <summary>
/// Describes the vectors a job will produce without loading weights: config and sentence-transformers files only.
/// The coordinator uses it for the manifest; planning uses it to refuse a bad model before any shard is leased.
/// </summary>
public static class EmbeddingDescriptions
{
    public static EmbeddingDescription Describe(JobSpec spec)
    {
        if (ModelBackends.Of(spec.Model) == ModelBackend.Onnx)
        {
            var onnx = OnnxModelDirectory.Open(spec.Model);
            if (!spec.Embed.Device.Trim().Equals("cpu", StringComparison.OrdinalIgnoreCase))
                throw new ClusteringException($"--device {spec.Embed.Device}: {onnx.Path} is an ONNX model, and the ONNX backend runs on the CPU only (ONNX Runtime's CUDA provider is not part of this build); use --device cpu");
            return Describe(spec, onnx.Path, onnx.ModelId, onnx.Config.HiddenSize, onnx.SentenceTransformers);
        }
        using var model = ModelDirectory.Open(spec.Model);
        return Describe(spec, model.Path, model.ModelId, model.Config.HiddenSize, model.SentenceTransformers);
    }

    private static EmbeddingDescription Describe(JobSpec spec, string path, string modelId, int hidden, SentenceTransformersConfig st)
    {
        var options = EngineOptionsOf(spec);
        if (options.Dimensions is int d && (d < 1 || d > hidden))
            throw new ClusteringException($"--dimensions {d} is outside 1..{hidden} (the hidden size of {path})");
        var prompt = PromptTemplate.Resolve(options, st, path);
        return new EmbeddingDescription(modelId, options.Dimensions ?? hidden, st.Pooling.ToString().ToLowerInvariant(), st.Normalize, prompt);
    }

    /// <summary>The engine's options from the user's job options.</summary>
    public static EmbeddingOptions EngineOptionsOf(JobSpec spec) => new()
    {
        Device = spec.Embed.Device,
        Threads = spec.Embed.Threads,
        Dimensions = spec.Embed.Dimensions,
        PromptName = spec.Embed.PromptName,
        Instruction = spec.Embed.Instruction,
        // The job's default (8192) means "8192, or the model's limit when lower" (a 512-position BERT); any other value
        // is the user's and is checked against the model.
        MaxLength = spec.Embed.MaxLength == EmbeddingOptions.DefaultMaxLength ? null : spec.Embed.MaxLength,
        BatchTokens = spec.Embed.BatchTokens,
    };
}

/// <summary>What the manifest says about the vectors; taken from the loaded model, or from the job's spec.</summary>
public sealed record EmbeddingDescription(string ModelId, int Dimensions, string Pooling, bool Normalized, string Prompt);
