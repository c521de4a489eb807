using Clustering.Models;

namespace Clustering.Inference;

/// <summary>The text put before every input: an instruction, a named prompt of the model, its default prompt, or nothing.</summary>
public static class PromptTemplate
{
    /// <summary>Qwen3-Embedding's query format; the input follows "Query:" directly.</summary>
    public static string Instruction(string task) => $"Instruct: {task}\nQuery:";

    public static string Resolve(EmbeddingOptions options, SentenceTransformersConfig model, string modelPath)
    {
        if (options.Instruction is not null && options.PromptName is not null)
            throw new ClusteringException("give either an instruction or a prompt name, not both");
        if (options.Instruction is not null) return Instruction(options.Instruction);
        var name = options.PromptName ?? model.DefaultPromptName;
        if (name is null) return "";
        if (model.Prompts.TryGetValue(name, out var prompt)) return prompt;
        var known = model.Prompts.Count == 0 ? "the model defines no prompts" : "the model's prompts are: " + string.Join(", ", model.Prompts.Keys.Order(StringComparer.Ordinal));
        throw new ClusteringException($"unknown prompt name \"{name}\" for {modelPath}; {known}");
    }
}
