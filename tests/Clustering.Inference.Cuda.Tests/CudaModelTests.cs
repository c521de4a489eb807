using Clustering.Inference.Cpu;
using Clustering.Tests.Shared;

namespace Clustering.Inference.Cuda.Tests;

/// <summary>
/// The whole model on the GPU (bf16 weights and activations, fp32 accumulation) against Hugging Face transformers
/// (fp32 math) and against the CPU backend (fp32), and batched against one-at-a-time: cos ≥ 0.999 per embedding.
/// </summary>
public class CudaModelTests
{
    private const double MinCosine = 0.999;

    private static EmbeddingModel LoadCuda(string name, EmbeddingOptions? options = null) =>
        EmbeddingModel.Load(ModelFixtures.Model(name), options ?? new EmbeddingOptions(), new CudaOps(0, new KernelCache(TestCacheFolder)));

    private static string TestCacheFolder => Path.Combine(Path.GetTempPath(), "clustering-kernels-test-" + Environment.ProcessId);

    [GpuFact]
    public void Embeddings_match_transformers_and_the_cpu_backend_and_batched_equals_single()
    {
        foreach (var name in ModelFixtures.Names)
        {
            var expected = ModelFixtures.Load(name);
            using var gpu = LoadCuda(name);
            using var cpu = EmbeddingModel.Load(ModelFixtures.Model(name), new EmbeddingOptions(), new CpuOps(new CpuOptions { Threads = 2 }));
            var d = gpu.Dimensions;
            var n = expected.Inputs.Length;
            var batched = new float[n * d];
            gpu.Embed(expected.Inputs, batched);
            var onCpu = new float[n * d];
            cpu.Embed(expected.Inputs, onCpu);
            var worst = 1.0;
            for (var i = 0; i < n; i++)
            {
                var row = batched.AsSpan(i * d, d);
                var single = new float[d];
                gpu.Embed([expected.Inputs[i]], single);
                var vsHf = VectorMath.Cosine(expected.Embeddings[i], row);
                var vsCpu = VectorMath.Cosine(onCpu.AsSpan(i * d, d), row);
                var vsSingle = VectorMath.Cosine(single, row);
                worst = Math.Min(worst, Math.Min(vsHf, Math.Min(vsCpu, vsSingle)));
                Assert.True(vsHf >= MinCosine && vsCpu >= MinCosine && vsSingle >= MinCosine,
                    $"{name} input {i} ({expected.Inputs[i].Length} tokens): cos vs HF {vsHf:F6}, vs CPU {vsCpu:F6}, batched vs single {vsSingle:F6}");
            }
            Console.WriteLine($"  {name}: {n} inputs, worst cosine {worst:F6}");
        }
    }

    [GpuFact]
    public void Real_vocabulary_model_with_mrl_matches_transformers()
    {
        var cases = ModelFixtures.LoadRealVocab();
        foreach (var group in cases.GroupBy(c => c.Dimensions))
        {
            using var gpu = LoadCuda("qwen3-realvocab-tiny", new EmbeddingOptions { Dimensions = group.Key });
            var list = group.ToList();
            var d = gpu.Dimensions;
            var actual = new float[list.Count * d];
            gpu.Embed(list.Select(c => c.Ids).ToList(), actual);
            for (var i = 0; i < list.Count; i++)
            {
                Assert.Equal(list[i].Embedding.Length, d);
                var cos = VectorMath.Cosine(list[i].Embedding, actual.AsSpan(i * d, d));
                Assert.True(cos >= MinCosine, $"dimensions {group.Key?.ToString() ?? "full"} case {i} ({list[i].Ids.Length} tokens): cos {cos:F6}");
            }
        }
    }

    [GpuFact]
    public void A_token_id_outside_the_vocabulary_is_refused_with_its_position()
    {
        using var gpu = LoadCuda("qwen3-gqa4-bf16");
        var output = new float[2 * gpu.Dimensions];
        var error = Assert.Throws<ClusteringException>(() => gpu.Embed([[1, 2, 3], [4, 100000]], output));
        Assert.Contains("100000", error.Message);
        Assert.Contains("position 4", error.Message);
    }
}
