using Clustering.Tests.Shared;

namespace Clustering.Inference.Onnx.Tests;

/// <summary>An ONNX model directory that lacks a part is refused at load, naming the directory and what is missing.</summary>
public class OnnxLoadErrorTests
{
    /// <summary>A copy of the packaged MiniLM folder (the model.onnx linked) without the named files.</summary>
    private static string CopyWithout(params string[] missing)
    {
        string source = PackagedModels.MiniLM;
        string dir = Directory.CreateTempSubdirectory("onnx-broken-").FullName;
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(source, file);
            if (missing.Any(m => relative.StartsWith(m, StringComparison.Ordinal))) continue;
            string target = Path.Combine(dir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (relative == "model.onnx") File.CreateSymbolicLink(target, file);
            else File.Copy(file, target);
        }
        return dir;
    }

    [Fact]
    public void NoPooling_IsRefused()
    {
        var dir = CopyWithout("1_Pooling", "modules.json");
        var e = Assert.Throws<InputFormatException>(() => OnnxModels.Load(dir, new EmbeddingOptions()));
        Assert.Contains("no pooling", e.Message);
        Assert.Contains(dir, e.Message);
    }

    [Fact]
    public void NoTokenizer_IsRefused()
    {
        var dir = CopyWithout("vocab.txt");
        var e = Assert.Throws<InputFormatException>(() => OnnxModels.Load(dir, new EmbeddingOptions()));
        Assert.Contains("no tokenizer", e.Message);
    }

    [Fact]
    public void NoOnnxFile_IsRefused()
    {
        var dir = CopyWithout("model.onnx");
        var e = Assert.Throws<InputFormatException>(() => OnnxModels.Load(dir, new EmbeddingOptions()));
        Assert.Contains("no model.onnx", e.Message);
    }

    [Fact]
    public void NotAnOnnxFile_IsRefusedNamingIt()
    {
        var dir = CopyWithout("model.onnx");
        File.WriteAllText(Path.Combine(dir, "model.onnx"), "not a protobuf");
        var e = Assert.Throws<InputFormatException>(() => OnnxModels.Load(dir, new EmbeddingOptions()));
        Assert.Contains(Path.Combine(dir, "model.onnx"), e.Message);
        Assert.Contains("ONNX Runtime cannot load it", e.Message);
    }

    [Fact]
    public void CudaDevice_IsRefused_NotSilentlyRunOnCpu()
    {
        var e = Assert.Throws<ClusteringException>(() => OnnxModels.Load(PackagedModels.MiniLM, new EmbeddingOptions { Device = "cuda:0" }));
        Assert.Contains("CPU only", e.Message);
    }

    [Fact]
    public void MaxLengthBeyondPositions_IsRefused()
    {
        var e = Assert.Throws<ClusteringException>(() => OnnxModels.Load(PackagedModels.MiniLM, new EmbeddingOptions { MaxLength = 513 }));
        Assert.Contains("outside 1..512", e.Message);
    }
}
