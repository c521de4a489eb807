using System.Text.Json;

namespace Clustering.Models;

/// <summary>Which engine runs a model directory.</summary>
public enum ModelBackend
{
    /// <summary>Our engine (CPU kernels, CUDA): a Qwen3 safetensors checkpoint.</summary>
    Native,
    /// <summary>ONNX Runtime (Clustering.Inference.Onnx) on the CPU: any exported encoder with model.onnx (BERT, MiniLM, XLM-R, bge, e5, gte, ...).</summary>
    Onnx,
}

public static class ModelBackends
{
    /// <summary>
    /// A Qwen3 checkpoint runs on our engine even when the directory also holds an ONNX export (ours is faster and
    /// runs on GPUs); any other directory with model.onnx or onnx/model.onnx runs on ONNX Runtime; the rest goes to
    /// our engine, whose loader names what it cannot run.
    /// </summary>
    public static ModelBackend Of(string modelDirectory)
    {
        if (!Directory.Exists(modelDirectory) || OnnxModelDirectory.FindOnnx(modelDirectory) is null) return ModelBackend.Native;
        return ModelType(Path.Combine(modelDirectory, "config.json")) == "qwen3" && HasSafetensors(modelDirectory) ? ModelBackend.Native : ModelBackend.Onnx;
    }

    private static bool HasSafetensors(string directory) =>
        File.Exists(Path.Combine(directory, "model.safetensors")) || File.Exists(Path.Combine(directory, "model.safetensors.index.json"));

    /// <summary>config.json's model_type, or null when it cannot be read (the chosen loader then reports the file).</summary>
    private static string? ModelType(string configPath)
    {
        try
        {
            if (!File.Exists(configPath) || new FileInfo(configPath).Length > 1 << 20) return null;
            using var document = JsonDocument.Parse(File.ReadAllBytes(configPath));
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("model_type", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString() : null;
        }
        catch (JsonException) { return null; }
        catch (IOException) { return null; }
    }
}
