using Clustering.Inference;
using Clustering.Inference.Cpu;

namespace Clustering.Serving.Tests;

/// <summary>The repository's demo model (random weights of the Qwen3 architecture, its own tokenizer) on one CPU thread.</summary>
internal static class TinyModel
{
    public static string Path { get; } = FindModel();

    public static EmbeddingModel Load(int? maxLength = null, int batchTokens = EmbeddingOptions.DefaultBatchTokens) =>
        EmbeddingModel.Load(Path, new EmbeddingOptions { MaxLength = maxLength ?? EmbeddingOptions.DefaultMaxLength, BatchTokens = batchTokens, Threads = 1 }, new CpuOps(new CpuOptions { Threads = 1 }));

    private static string FindModel()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Clustering.sln")))
                return System.IO.Path.Combine(dir.FullName, "tests", "fixtures", "models", "tiny-qwen3-embedding");
        throw new InvalidOperationException("repository root (Clustering.sln) not found above " + AppContext.BaseDirectory);
    }
}
