using System.Text.Json;

namespace Clustering.Models.Tests;

/// <summary>
/// The model directories transformers wrote (tests/fixtures/models, made by the lead on the GPU machine) open,
/// and every tensor's dtype, shape, sum and first values equal what Hugging Face recorded in expected.json.
/// </summary>
public class HuggingFaceFixtureTests
{
    public static TheoryData<string> ModelsWithTensorFacts => new() { "qwen3-gqa1-f32", "qwen3-gqa2-bf16-sharded", "qwen3-gqa4-bf16" };

    public static TheoryData<string> AllModels => new() { "qwen3-gqa1-f32", "qwen3-gqa2-bf16-sharded", "qwen3-gqa4-bf16", "qwen3-realvocab-tiny", "tiny-qwen3-embedding" };

    [Theory]
    [MemberData(nameof(ModelsWithTensorFacts))]
    public void Every_tensor_matches_what_transformers_recorded(string name)
    {
        string directory = Path.Combine(TestPaths.ModelFixtures, name);
        using var model = ModelDirectory.Open(directory);
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "expected.json")));
        var tensors = expected.RootElement.GetProperty("tensors");
        int checkedCount = 0;
        foreach (var item in tensors.EnumerateObject())
        {
            string canonical = TensorStore.CanonicalName(item.Name);
            if (canonical == "lm_head.weight")
            {
                // Untied checkpoints keep lm_head; the store still serves it though the architecture ignores it.
                Assert.True(model.Tensors.Contains(canonical));
            }
            var view = model.Tensors.Get(canonical);
            var facts = item.Value;
            Assert.Equal(item.Name, view.FileName);
            Assert.Equal(facts.GetProperty("dtype").GetString(), view.DType.ToString());
            Assert.Equal(facts.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(), view.Shape);
            if (facts.TryGetProperty("file", out var file)) Assert.Equal(file.GetString(), Path.GetFileName(view.File));

            var values = new float[view.ElementCount];
            view.ToFloat32(values);
            double sum = 0, magnitude = 0;
            foreach (float v in values) { sum += v; magnitude += Math.Abs(v); }
            double expectedSum = facts.GetProperty("sum").GetDouble();
            // Relative to the sum, with a floor relative to sum |x| for sums that cancel to near zero.
            Assert.True(Math.Abs(sum - expectedSum) <= 1e-5 * Math.Abs(expectedSum) + 1e-7 * magnitude,
                $"{name} {item.Name}: sum {sum} vs Hugging Face {expectedSum}");
            var first = facts.GetProperty("first").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            Assert.Equal(first, values[..first.Length]);
            checkedCount++;
        }
        Assert.Equal(tensors.EnumerateObject().Count(), checkedCount);
        Assert.Equal(checkedCount, model.Tensors.Names.Count);
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public void Every_fixture_directory_opens_with_its_sentence_transformers_settings(string name)
    {
        using var model = ModelDirectory.Open(Path.Combine(TestPaths.ModelFixtures, name));
        Assert.Equal(name, model.ModelId);
        Assert.Equal(PoolingMode.LastToken, model.SentenceTransformers.Pooling);
        Assert.True(model.SentenceTransformers.Normalize);
        Assert.Equal("Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:", model.SentenceTransformers.Prompts["query"]);
        Assert.Equal(name == "tiny-qwen3-embedding" ? model.Path : null, model.TokenizerPath);
    }

    [Fact]
    public void The_fixture_configs_read_as_the_brief_describes_them()
    {
        using var gqa1 = ModelDirectory.Open(Path.Combine(TestPaths.ModelFixtures, "qwen3-gqa1-f32"));
        Assert.Equal(new Qwen3Config("qwen3", "Qwen3Model", 512, 64, 128, 2, 4, 4, 32, 1e-6, 1e6, 32768, true, "float32"), gqa1.Config);
        using var gqa2 = ModelDirectory.Open(Path.Combine(TestPaths.ModelFixtures, "qwen3-gqa2-bf16-sharded"));
        Assert.Equal(new Qwen3Config("qwen3", "Qwen3ForCausalLM", 512, 96, 160, 3, 4, 2, 16, 1e-6, 1e6, 32768, false, "bfloat16"), gqa2.Config);
        Assert.Equal(6, gqa2.Tensors.Files.Count);
        using var gqa4 = ModelDirectory.Open(Path.Combine(TestPaths.ModelFixtures, "qwen3-gqa4-bf16"));
        Assert.Equal((128, 8, 2, 32, true), (gqa4.Config.HiddenSize, gqa4.Config.NumAttentionHeads, gqa4.Config.NumKeyValueHeads, gqa4.Config.HeadDim, gqa4.Config.TieWordEmbeddings));
    }
}
