using Clustering.Models;

namespace Clustering.Inference.Cpu.Tests;

/// <summary>
/// A batch that runs out of device memory is split and retried, never fatal (issue 5). No GPU in CI: the CPU backend
/// stands in for a device with room for <c>limit</c> tokens per batch, refusing bigger batches the way a GPU's
/// allocation fails; the vectors must equal those of an unlimited run.
/// </summary>
public sealed class OutOfMemorySplitTests
{
    /// <summary>23 random sequences of 3-39 tokens, their vectors from an unlimited run, and a model limited to 100 tokens a batch.</summary>
    private static (List<int[]> Sequences, float[] Expected, EmbeddingModel Limited) Setup(int seed)
    {
        var rng = new Random(seed);
        var sequences = Enumerable.Range(0, 23).Select(_ => Enumerable.Range(0, rng.Next(3, 40)).Select(_ => rng.Next(1, 250)).ToArray()).ToList();
        var options = new EmbeddingOptions { BatchTokens = 4096, MaxLength = 64 };
        using var reference = EmbeddingModel.Load(Fixtures.Model("qwen3-gqa4-bf16"), options, new CpuOps(new CpuOptions { Threads = 1 }));
        var expected = new float[sequences.Count * reference.Dimensions];
        reference.Embed(sequences, expected);
        var limited = EmbeddingModel.Load(Fixtures.Model("qwen3-gqa4-bf16"), options, new MemoryLimitedOps(new CpuOps(new CpuOptions { Threads = 1 }), 100));
        return (sequences, expected, limited);
    }

    [Fact]
    public void A_batch_too_big_for_the_device_is_split_and_the_vectors_are_unchanged()
    {
        var (sequences, expected, model) = Setup(5);
        using var limited = model;
        var actual = new float[expected.Length];
        limited.Embed(sequences, actual);

        Assert.True(limited.OutOfMemorySplits > 0);
        Assert.InRange(limited.EffectiveBatchTokens, 1, 100);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-5f);
    }

    [Fact]
    public void A_window_embedded_by_length_splits_in_pass_order_and_its_vectors_land_in_the_order_given()
    {
        var (sequences, expected, model) = Setup(6);
        using var limited = model;
        var actual = new float[expected.Length];
        limited.EmbedByLength(sequences, actual);

        Assert.True(limited.OutOfMemorySplits > 0);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-5f);
    }

    [Fact]
    public void Sequences_longer_than_the_budget_run_alone_and_still_split_safely()
    {
        // --batch-tokens 16 below --max-length 64: the long sequences each take a pass of their own, the short ones share.
        var rng = new Random(14);
        var sequences = Enumerable.Range(0, 17).Select(i => Enumerable.Range(0, i % 3 == 0 ? rng.Next(17, 64) : rng.Next(2, 8)).Select(_ => rng.Next(1, 250)).ToArray()).ToList();
        using var reference = EmbeddingModel.Load(Fixtures.Model("qwen3-gqa4-bf16"), new EmbeddingOptions { BatchTokens = 4096, MaxLength = 64 }, new CpuOps(new CpuOptions { Threads = 1 }));
        var expected = new float[sequences.Count * reference.Dimensions];
        reference.Embed(sequences, expected);

        using var small = EmbeddingModel.Load(Fixtures.Model("qwen3-gqa4-bf16"), new EmbeddingOptions { BatchTokens = 16, MaxLength = 64 },
            new MemoryLimitedOps(new CpuOps(new CpuOptions { Threads = 1 }), 64));
        var actual = new float[expected.Length];
        small.Embed(sequences, actual);
        Assert.Equal(0, small.OutOfMemorySplits);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-5f);

        // A device with room for 40 tokens: batches of short ones still split, and a 40-token sequence runs alone.
        using var tight = EmbeddingModel.Load(Fixtures.Model("qwen3-gqa4-bf16"), new EmbeddingOptions { BatchTokens = 48, MaxLength = 64 },
            new MemoryLimitedOps(new CpuOps(new CpuOptions { Threads = 1 }), 40));
        var fits = sequences.Where(s => s.Length <= 40).ToList();
        var want = new float[fits.Count * tight.Dimensions];
        reference.Embed(fits, want);
        var got = new float[want.Length];
        tight.Embed(fits, got);
        Assert.True(tight.OutOfMemorySplits > 0);
        for (var i = 0; i < want.Length; i++) Assert.Equal(want[i], got[i], 1e-5f);
    }

    [Fact]
    public void One_sequence_that_does_not_fit_alone_is_an_error_naming_its_length()
    {
        using var limited = EmbeddingModel.Load(Fixtures.Model("qwen3-gqa4-bf16"), new EmbeddingOptions { BatchTokens = 4096, MaxLength = 64 },
            new MemoryLimitedOps(new CpuOps(new CpuOptions { Threads = 1 }), 10));
        var e = Assert.Throws<ClusteringException>(() => limited.Embed([[1, 2, 3], Enumerable.Range(1, 12).ToArray()], new float[2 * limited.Dimensions]));
        Assert.Equal("a sequence of 12 tokens does not fit in the memory of cpu even alone", e.Message);
    }

    private sealed class DeviceOutOfMemory(int tokens) : Exception($"out of memory at a batch of {tokens} tokens");

    /// <summary>The CPU backend, refusing batches of more than <paramref name="limit"/> tokens as a full GPU would.</summary>
    private sealed class MemoryLimitedOps(IOps inner, int limit) : IOps
    {
        public string Device => inner.Device;
        public DeviceTensor LoadLinear(TensorView weight) => inner.LoadLinear(weight);
        public DeviceTensor LoadRows(TensorView weight) => inner.LoadRows(weight);
        public DeviceTensor Allocate(int rows, int columns) => inner.Allocate(rows, columns);

        public void BeginBatch(TokenBatch batch)
        {
            if (batch.TokenCount > limit) throw new DeviceOutOfMemory(batch.TokenCount);
            inner.BeginBatch(batch);
        }

        public void Embedding(DeviceTensor table, DeviceTensor output) => inner.Embedding(table, output);
        public void RmsNorm(DeviceTensor input, DeviceTensor weight, float eps, DeviceTensor output, int rows) => inner.RmsNorm(input, weight, eps, output, rows);
        public void MatMul(DeviceTensor input, DeviceTensor weight, DeviceTensor output, int rows, bool accumulate = false) => inner.MatMul(input, weight, output, rows, accumulate);
        public void HeadNormRope(DeviceTensor x, DeviceTensor weight, int heads, int headDim, float eps, float ropeTheta) => inner.HeadNormRope(x, weight, heads, headDim, eps, ropeTheta);
        public void Attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, int heads, int kvHeads, int headDim, DeviceTensor output) => inner.Attention(q, k, v, heads, kvHeads, headDim, output);
        public void SiluMul(DeviceTensor gate, DeviceTensor up, DeviceTensor output, int rows) => inner.SiluMul(gate, up, output, rows);
        public void Pool(DeviceTensor hidden, PoolingMode mode, DeviceTensor output) => inner.Pool(hidden, mode, output);
        public void Download(DeviceTensor source, int rows, Span<float> destination) => inner.Download(source, rows, destination);
        public bool IsOutOfMemory(Exception error) => error is DeviceOutOfMemory;
        public void Dispose() => inner.Dispose();
    }
}
