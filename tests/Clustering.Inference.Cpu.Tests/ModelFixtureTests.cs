using Clustering.Inference;
using Clustering.Tests.Shared;

namespace Clustering.Inference.Cpu.Tests;

/// <summary>The whole Qwen3 graph against Hugging Face transformers (fp32 math) on random-weight fixtures.</summary>
public sealed class ModelFixtureTests
{
    public static TheoryData<string> Models => new() { "qwen3-gqa1-f32", "qwen3-gqa2-bf16-sharded", "qwen3-gqa4-bf16" };

    private static EmbeddingModel Load(string name, EmbeddingOptions? options = null, int threads = 1) =>
        EmbeddingModel.Load(Fixtures.Model(name), options ?? new EmbeddingOptions(), new CpuOps(new CpuOptions { Threads = threads }));

    [Theory]
    [MemberData(nameof(Models))]
    public void Hidden_states_after_layer_1_match_transformers(string name)
    {
        var expected = Fixtures.Load(name);
        using var model = Load(name, new EmbeddingOptions { BatchTokens = expected.Inputs.Sum(i => i.Length) });
        var actual = new float[expected.HiddenLayer1.Length];
        model.HiddenStates(expected.Inputs, 1, actual);
        Tolerance.ElementWise(expected.HiddenLayer1, actual, 1e-4f, 1e-4f, $"{name} hidden_states[1]");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Embeddings_match_transformers(string name)
    {
        var expected = Fixtures.Load(name);
        using var model = Load(name);
        var d = model.Dimensions;
        var actual = new float[expected.Inputs.Length * d];
        model.Embed(expected.Inputs, actual);
        for (var i = 0; i < expected.Inputs.Length; i++)
        {
            var row = actual.AsSpan(i * d, d);
            var cos = VectorMath.Cosine(expected.Embeddings[i], row);
            var maxAbs = Tolerance.MaxAbsDiff(expected.Embeddings[i], row);
            Assert.True(cos >= 0.99999 && maxAbs <= 1e-4, $"{name} input {i} ({expected.Inputs[i].Length} tokens): cos {cos}, max abs {maxAbs}");
        }
    }

    [Theory]
    [InlineData("qwen3-gqa4-bf16", 1)]
    [InlineData("qwen3-gqa4-bf16", 37)]
    [InlineData("qwen3-gqa2-bf16-sharded", 64)]
    public void Mrl_keeps_the_first_dimensions_of_the_pooled_vector_then_normalizes(string name, int dimensions)
    {
        var expected = Fixtures.Load(name);
        using var model = Load(name, new EmbeddingOptions { Dimensions = dimensions });
        Assert.Equal(dimensions, model.Dimensions);
        var actual = new float[expected.Inputs.Length * dimensions];
        model.Embed(expected.Inputs, actual);
        for (var i = 0; i < expected.Inputs.Length; i++)
        {
            var truncated = expected.Pooled[i].AsSpan(0, dimensions).ToArray();
            var norm = (float)Math.Sqrt(truncated.Sum(x => (double)x * x));
            var reference = truncated.Select(x => x / norm).ToArray();
            var row = actual.AsSpan(i * dimensions, dimensions);
            Assert.True(Tolerance.MaxAbsDiff(reference, row) <= 1e-4, $"input {i}: max abs {Tolerance.MaxAbsDiff(reference, row)}");
            Assert.InRange(Math.Sqrt(row.ToArray().Sum(x => (double)x * x)), 0.99999, 1.00001);
        }
    }

    [Fact]
    public void A_batch_of_64_mixed_inputs_equals_each_input_embedded_alone()
    {
        const string name = "qwen3-gqa4-bf16";
        var rng = new Random(7);
        var inputs = Enumerable.Range(0, 64).Select(_ =>
            Enumerable.Range(0, rng.Next(1, 300)).Select(_ => rng.Next(0, 512)).ToArray()).ToArray();
        using var model = Load(name, new EmbeddingOptions { BatchTokens = 1 << 14 }, threads: 2);
        var d = model.Dimensions;
        var batched = new float[64 * d];
        model.Embed(inputs, batched);
        var alone = new float[d];
        for (var i = 0; i < inputs.Length; i++)
        {
            model.Embed([inputs[i]], alone);
            // Every kernel computes a row the same way wherever it sits in the batch: equal bit for bit.
            Tolerance.ElementWise(alone, batched.AsSpan(i * d, d), 0f, 0f, $"input {i} ({inputs[i].Length} tokens)");
        }
    }

    [Fact]
    public void Dimensions_outside_the_hidden_size_are_refused()
    {
        var tooMany = Assert.Throws<ClusteringException>(() => Load("qwen3-gqa1-f32", new EmbeddingOptions { Dimensions = 65 }));
        Assert.Contains("--dimensions 65 is outside 1..64", tooMany.Message);
        var zero = Assert.Throws<ClusteringException>(() => Load("qwen3-gqa1-f32", new EmbeddingOptions { Dimensions = 0 }));
        Assert.Equal("--dimensions: must be positive (got 0)", zero.Message); // the one rule every entry point applies
    }

    [Fact]
    public void Out_of_vocabulary_ids_are_refused_with_their_position()
    {
        using var model = Load("qwen3-gqa1-f32");
        var e = Assert.Throws<ClusteringException>(() => model.Embed([[1, 2, 3], [4, 512]], new float[2 * 64]));
        Assert.Contains("token id 512 at batch position 4", e.Message);
    }
}
