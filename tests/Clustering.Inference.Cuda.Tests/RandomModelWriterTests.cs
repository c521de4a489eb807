using Clustering.Inference.Cpu;

namespace Clustering.Inference.Cuda.Tests;

public class RandomModelWriterTests
{
    [Fact]
    public void Writes_a_model_directory_the_engine_loads_and_runs()
    {
        var directory = Path.Combine(Path.GetTempPath(), "clustering-random-model-" + Guid.NewGuid().ToString("N"));
        try
        {
            RandomModelWriter.Write(directory, new RandomModelWriter.Shape(64, 96, 2, 4, 2, 16, Vocab: 300));
            using var model = EmbeddingModel.Load(directory, new EmbeddingOptions { BatchTokens = 64 }, new CpuOps(new CpuOptions { Threads = 1 }));
            Assert.Equal(64, model.Dimensions);
            var output = new float[2 * 64];
            model.Embed([[1, 2, 3], [299, 5]], output);
            Assert.All(output, v => Assert.True(float.IsFinite(v)));
            Assert.InRange(Math.Sqrt(output.AsSpan(0, 64).ToArray().Sum(v => (double)v * v)), 0.9999, 1.0001);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
