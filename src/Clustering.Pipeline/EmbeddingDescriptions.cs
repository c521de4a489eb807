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
        using var model = ModelDirectory.Open(spec.Model);
        var options = EngineOptionsOf(spec);
        var hidden = model.Config.HiddenSize;
        if (options.Dimensions is int d && (d < 1 || d > hidden))
            throw new ClusteringException($"--dimensions {d} is outside 1..{hidden} (the hidden size of {model.Path})");
        var prompt = PromptTemplate.Resolve(options, model.SentenceTransformers, model.Path);
        var st = model.SentenceTransformers;
        return new EmbeddingDescription(model.ModelId, options.Dimensions ?? hidden, st.Pooling.ToString().ToLowerInvariant(), st.Normalize, prompt);
    }

    /// <summary>The engine's options from the user's job options.</summary>
    public static EmbeddingOptions EngineOptionsOf(JobSpec spec) => new()
    {
        Device = spec.Embed.Device,
        Threads = spec.Embed.Threads,
        Dimensions = spec.Embed.Dimensions,
        PromptName = spec.Embed.PromptName,
        Instruction = spec.Embed.Instruction,
        MaxLength = spec.Embed.MaxLength,
        BatchTokens = spec.Embed.BatchTokens,
    };
}
