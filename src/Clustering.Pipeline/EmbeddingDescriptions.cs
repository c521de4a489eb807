using Clustering.Inference;
using Clustering.Models;

namespace Clustering.Pipeline;

/// <summary>
/// Describes the vectors a job will produce without loading weights: config and sentence-transformers files only.
/// The coordinator uses it for the manifest; planning uses it to refuse a bad model before any shard is leased, with
/// the engine's own checks (<see cref="EmbeddingModel.CheckAgainst"/>, <see cref="PromptTemplate.Resolve"/>) on the
/// job's <see cref="JobSpec.Embed"/> as it is: the engine takes that record, so there is no copy to map here.
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
            var c = onnx.Config;
            return Describe(spec, onnx.Path, onnx.ModelId, new ModelShape(c.HiddenSize, c.VocabSize, c.MaxPositions, c.NumHiddenLayers), onnx.SentenceTransformers);
        }
        using var model = ModelDirectory.Open(spec.Model);
        var config = model.Config;
        return Describe(spec, model.Path, model.ModelId,
            new ModelShape(config.HiddenSize, config.VocabSize, config.MaxPositionEmbeddings, config.NumHiddenLayers), model.SentenceTransformers);
    }

    private static EmbeddingDescription Describe(JobSpec spec, string path, string modelId, ModelShape shape, SentenceTransformersConfig st)
    {
        EmbeddingModel.CheckAgainst(spec.Embed, shape, path);
        var prompt = PromptTemplate.Resolve(spec.Embed, st, path);
        return new EmbeddingDescription(modelId, spec.Embed.Dimensions ?? shape.HiddenSize, st.Pooling.ToString().ToLowerInvariant(), st.Normalize, prompt);
    }
}

/// <summary>What the manifest says about the vectors; taken from the loaded model, or from the job's spec.</summary>
public sealed record EmbeddingDescription(string ModelId, int Dimensions, string Pooling, bool Normalized, string Prompt);
