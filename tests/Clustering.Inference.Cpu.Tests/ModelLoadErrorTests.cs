namespace Clustering.Inference.Cpu.Tests;

/// <summary>
/// The tokenizer loads on its own thread while the weights load: its errors still reach the caller as themselves,
/// naming the file; when the weights are broken too, theirs is the error reported (as when the two loaded in turn).
/// </summary>
public sealed class ModelLoadErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clustering-load-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A copy of the demo model whose tokenizer.json is cut in the middle (and, when asked, its weights too).</summary>
    private string BrokenCopy(bool weightsToo)
    {
        var source = Fixtures.Model("tiny-qwen3-embedding");
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_dir, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var tokenizer = Path.Combine(_dir, "tokenizer.json");
        File.WriteAllBytes(tokenizer, File.ReadAllBytes(tokenizer)[..5000]);
        if (weightsToo)
        {
            var weights = Path.Combine(_dir, "model.safetensors");
            File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..1000]);
        }
        return _dir;
    }

    [Fact]
    public void A_truncated_tokenizer_is_reported_by_name()
    {
        var model = BrokenCopy(weightsToo: false);
        var error = Assert.ThrowsAny<ClusteringException>(() => EmbeddingModel.Load(model, new EmbeddingOptions(), new CpuOps(new CpuOptions { Threads = 1 })));
        Assert.Contains("tokenizer.json", error.Message);
    }

    [Fact]
    public void With_broken_weights_too_the_weights_are_reported_first()
    {
        var model = BrokenCopy(weightsToo: true);
        var error = Assert.ThrowsAny<ClusteringException>(() => EmbeddingModel.Load(model, new EmbeddingOptions(), new CpuOps(new CpuOptions { Threads = 1 })));
        Assert.Contains("model.safetensors", error.Message);
        Assert.DoesNotContain("tokenizer.json", error.Message);
    }
}
