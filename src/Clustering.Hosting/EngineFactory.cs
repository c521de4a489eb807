using Clustering.Inference;
using Clustering.Inference.Cpu;

namespace Clustering.Hosting;

/// <summary>
/// Device strings to backends: `cpu` now; `cuda`, `cuda:0,1` once the CUDA backend lands. One backend per worker,
/// each with its own threads (CPU) or device (GPU), so model code never learns where it runs.
/// </summary>
public static class EngineFactory
{
    /// <summary>The devices one worker each: `cpu` gives <paramref name="cpuWorkers"/> CPU workers.</summary>
    public static IReadOnlyList<string> WorkerDevices(string devices, int cpuWorkers)
    {
        var text = devices.Trim().ToLowerInvariant();
        if (text == "cpu") return Enumerable.Repeat("cpu", Math.Max(1, cpuWorkers)).ToArray();
        if (text == "cuda" || text.StartsWith("cuda:", StringComparison.Ordinal))
            throw new ClusteringException($"--device {devices}: the CUDA backend is not available in this build yet; use --device cpu");
        throw new ClusteringException($"--device {devices}: expected cpu, cuda or cuda:0,1");
    }

    public static EmbeddingModel Load(JobSpec spec, string device, int threads)
    {
        var options = Pipeline.EmbeddingDescriptions.EngineOptionsOf(spec) with { Device = device, Threads = threads };
        IOps ops = device switch
        {
            "cpu" => new CpuOps(new CpuOptions { Threads = threads }),
            _ => throw new ClusteringException($"device {device}: no backend"),
        };
        return EmbeddingModel.Load(spec.Model, options, ops);
    }
}
