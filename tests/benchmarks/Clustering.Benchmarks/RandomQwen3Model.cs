namespace Clustering.Benchmarks;

/// <summary>
/// `engine-random-model --size 0.6b|4b|8b|tiny --out DIR`: a Qwen3-Embedding-shaped directory with random bf16 weights
/// for timing where torch is absent, written by the GPU tests' RandomModelWriter (linked). make_random_model.py writes
/// the same shapes with transformers where torch exists. The lm_head of untied checkpoints is not written: the engine
/// never reads it.
/// </summary>
internal static class RandomQwen3Model
{
    private static readonly Dictionary<string, Inference.Cuda.Tests.RandomModelWriter.Shape> Sizes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["0.6b"] = Inference.Cuda.Tests.RandomModelWriter.Qwen3Embedding06B,
        ["4b"] = new(2560, 9728, 36, 32, 8, 128),
        ["8b"] = new(4096, 12288, 36, 32, 8, 128),
        ["tiny"] = new(256, 768, 4, 4, 2, 64, Vocab: 32768),
    };

    public static int Run(string[] args)
    {
        var a = EngineBenchmark.Args.Parse(args);
        var size = a.Get("--size") ?? "0.6b";
        var outDir = a.Get("--out") ?? throw new ArgumentException("--out DIR is required");
        if (!Sizes.TryGetValue(size, out var shape)) throw new ArgumentException($"--size {size}: one of {string.Join(", ", Sizes.Keys)}");
        Inference.Cuda.Tests.RandomModelWriter.Write(outDir, shape);
        Console.WriteLine($"wrote {outDir}: {size}, {new FileInfo(Path.Combine(outDir, "model.safetensors")).Length / 1e9:F2} GB of bf16 weights");
        return 0;
    }
}
