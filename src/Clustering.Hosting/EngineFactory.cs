using Clustering.Inference;
using Clustering.Inference.Cpu;
using Clustering.Inference.Cuda;
using Clustering.Inference.Cuda.Native;
using Clustering.Inference.Onnx;
using Clustering.Models;

namespace Clustering.Hosting;

/// <summary>One device a worker owns: `cpu` or `cuda:N`, with what the store's capability filter needs to know.</summary>
public sealed record WorkerDevice(string Device, string Kind, string? GpuName, long GpuMemoryBytes);

/// <summary>
/// Device strings to backends. `cpu` gives the requested number of CPU workers; `cuda` one worker per visible GPU
/// and `cuda:0,2` one per named GPU, each with its own backend (context, stream, weights), so model code never
/// learns where it runs.
/// </summary>
public static class EngineFactory
{
    public static IReadOnlyList<WorkerDevice> WorkerDevices(string devices, int cpuWorkers)
    {
        var text = devices.Trim().ToLowerInvariant();
        if (text == "cpu") return Enumerable.Repeat(new WorkerDevice("cpu", "cpu", null, 0), Math.Max(1, cpuWorkers)).ToArray();
        if (CudaDeviceSelection.IsCuda(text))
        {
            var found = CudaDevices.Discover();
            if (found.Count == 0)
                throw new ClusteringException($"--device {devices}: no CUDA device is usable here ({CudaDevices.UnavailableReason ?? "none found"})");
            return CudaDeviceSelection.Parse(text, found.Count)
                .Select(o => new WorkerDevice($"cuda:{o}", "cuda", found[o].Name, found[o].TotalMemoryBytes)).ToArray();
        }
        throw new ClusteringException($"--device {devices}: expected cpu, cuda or cuda:0,1");
    }

    /// <summary>A backend for one device: `cpu` (with <paramref name="threads"/>, 0 = all cores) or `cuda:N`.</summary>
    public static IOps CreateOps(string device, int threads)
    {
        if (device == "cpu") return new CpuOps(new CpuOptions { Threads = threads });
        if (device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), out var ordinal)) return new CudaOps(ordinal);
        throw new ClusteringException($"device {device}: expected cpu or cuda:N");
    }

    /// <summary>The one device a single-process command (`encode`) uses: `cpu`, or the first GPU `cuda`/`cuda:N` names.</summary>
    public static string SingleDevice(string devices)
    {
        var workers = WorkerDevices(devices, 1);
        if (workers.Count > 1 && !devices.Trim().Equals("cuda", StringComparison.OrdinalIgnoreCase))
            throw new ClusteringException($"--device {devices}: this command uses one device; name one GPU (cuda:N)");
        return workers[0].Device;
    }

    public static EmbeddingModel Load(JobSpec spec, string device, int threads, DeviceGate? gate = null) =>
        LoadModel(spec.Model, spec.Embed, device, threads, gate);

    /// <summary>
    /// Loads a model directory on one device with the engine its files call for (<see cref="ModelBackends.Of"/>):
    /// ONNX Runtime for an ONNX export, our engine on <paramref name="device"/>'s ops for a Qwen3 checkpoint.
    /// </summary>
    /// <param name="tokenizerPath">`encode`/`serve --tokenizer`: a tokenizer instead of the model directory's own.</param>
    public static EmbeddingModel LoadModel(string modelDirectory, EmbeddingOptions options, string device, int threads, DeviceGate? gate = null,
        string? tokenizerPath = null)
    {
        options = options with { Device = device, Threads = threads };
        return ModelBackends.Of(modelDirectory) == ModelBackend.Onnx
            ? OnnxModels.Load(modelDirectory, options, gate, tokenizerPath)
            : EmbeddingModel.Load(modelDirectory, options, CreateOps(device, threads), gate, tokenizerPath);
    }
}
