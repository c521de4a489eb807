using Clustering.Models;

namespace Clustering.Silo;

/// <summary>
/// The memory a model takes on one device, estimated before loading it, for the online memory budget: its weights
/// as the engine holds them (parameters × 4 bytes on the CPU, where bf16/f16 weights are widened to fp32; × 2 on a
/// GPU, in bf16), or an ONNX export's file size. Activation buffers come on top and are not counted.
/// </summary>
public static class ModelFootprint
{
    public static long Estimate(string modelDirectory, string deviceKind)
    {
        if (ModelBackends.Of(modelDirectory) == ModelBackend.Onnx)
        {
            var onnx = OnnxModelDirectory.FindOnnx(modelDirectory)!;
            var external = onnx + "_data"; // weights kept beside the graph (model.onnx_data)
            return new FileInfo(onnx).Length + (File.Exists(external) ? new FileInfo(external).Length : 0);
        }
        using var tensors = TensorStore.Open(modelDirectory);
        long parameters = 0;
        foreach (var name in tensors.Names) parameters += tensors.Get(name).ElementCount;
        return parameters * (string.Equals(deviceKind, "cpu", StringComparison.OrdinalIgnoreCase) ? 4 : 2);
    }

    /// <summary>Bytes in MiB for messages: "1.5 MiB".</summary>
    public static string Mib(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " MiB";
}
