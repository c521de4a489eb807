using Clustering.Models;

namespace Clustering.Inference.Onnx;

/// <summary>Loads an ONNX model directory (<see cref="OnnxModelDirectory"/>) as an <see cref="EmbeddingModel"/> on ONNX Runtime's CPU provider.</summary>
public static class OnnxModels
{
    /// <summary>
    /// The ONNX backend runs on the CPU: ONNX Runtime's CUDA provider (Microsoft.ML.OnnxRuntime.Gpu, ~290 MB of native
    /// library) is not part of this build.
    /// </summary>
    public static void CheckDevice(string device, string path)
    {
        if (device != "cpu")
            throw new ClusteringException($"--device {device}: {path} is an ONNX model, and the ONNX backend runs on the CPU only (ONNX Runtime's CUDA provider is not part of this build); use --device cpu");
    }

    /// <param name="tokenizerPath">A tokenizer to use instead of the directory's own (`encode`/`serve --tokenizer`).</param>
    public static EmbeddingModel Load(string path, EmbeddingOptions options, DeviceGate? gate = null, string? tokenizerPath = null)
    {
        CheckDevice(options.Device, path);
        var directory = OnnxModelDirectory.Open(path, tokenizerPath);
        var c = directory.Config;
        var shape = new ModelShape(c.HiddenSize, c.VocabSize, c.MaxPositions, c.NumHiddenLayers);
        return EmbeddingModel.WithTokenizer(directory.TokenizerPath, () =>
            new EmbeddingModel(directory.Path, directory.ModelId, shape, directory.SentenceTransformers, options,
                () => new OnnxEngine(directory.OnnxPath, options.Threads, c.HiddenSize), gate));
    }
}
