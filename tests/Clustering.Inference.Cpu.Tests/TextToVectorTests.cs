using System.Text.Json;
using Clustering.Tests.Shared;

namespace Clustering.Inference.Cpu.Tests;

/// <summary>
/// Text → vector end to end against Hugging Face (tokenizers + transformers): the real Qwen3 tokenizer from
/// ../shared with a real-vocabulary random model over 200 multilingual texts with instructions, MRL and
/// max_length truncation; and the shipped demo model with its own tokenizer.
/// </summary>
public sealed class TextToVectorTests
{
    private sealed record Case(string Text, string? Instruction, int MaxLength, int? Dimensions, int[] Ids, float[] Embedding);

    private static List<Case> Cases(string model) =>
        File.ReadLines(Path.Combine(Fixtures.Model(model), "expected.jsonl")).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            return new Case(
                r.GetProperty("text").GetString()!,
                r.GetProperty("instruction").ValueKind == JsonValueKind.Null ? null : r.GetProperty("instruction").GetString(),
                r.GetProperty("max_length").GetInt32(),
                r.GetProperty("dimensions").ValueKind == JsonValueKind.Null ? null : r.GetProperty("dimensions").GetInt32(),
                r.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                r.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray());
        }).ToList();

    [Theory]
    [InlineData("qwen3-realvocab-tiny", true)]
    [InlineData("tiny-qwen3-embedding", false)]
    public void Text_to_vector_equals_transformers(string name, bool sharedTokenizer)
    {
        var cases = Cases(name);
        Assert.NotEmpty(cases);
        var checkedCount = 0;
        foreach (var group in cases.GroupBy(c => (c.Instruction, c.MaxLength, c.Dimensions)))
        {
            var options = new EmbeddingOptions
            {
                Instruction = group.Key.Instruction,
                MaxLength = group.Key.MaxLength,
                Dimensions = group.Key.Dimensions,
            };
            using var model = EmbeddingModel.Load(Fixtures.Model(name), options, new CpuOps(new CpuOptions { Threads = 1 }),
                tokenizerPath: sharedTokenizer ? Fixtures.SharedTokenizer : null);
            var list = group.ToList();
            var ids = new List<int[]>();
            foreach (var c in list)
            {
                var encoded = model.Tokenize(c.Text);
                Assert.True(c.Ids.SequenceEqual(encoded.Ids), $"ids of \"{c.Text[..Math.Min(40, c.Text.Length)]}\" ({group.Key}): expected [{string.Join(",", c.Ids.Take(20))}…] got [{string.Join(",", encoded.Ids.Take(20))}…]");
                Assert.Equal(c.Ids.Length < group.Key.MaxLength ? encoded.Truncated : true, encoded.Truncated);
                ids.Add(encoded.Ids);
            }
            var d = model.Dimensions;
            var output = new float[list.Count * d];
            model.Embed(ids, output);
            for (var i = 0; i < list.Count; i++)
            {
                var row = output.AsSpan(i * d, d);
                Assert.Equal(list[i].Embedding.Length, d);
                var cos = VectorMath.Cosine(list[i].Embedding, row);
                var maxAbs = Tolerance.MaxAbsDiff(list[i].Embedding, row);
                Assert.True(cos >= 0.99999 && maxAbs <= 1e-4, $"{group.Key} case {i}: cos {cos}, max abs {maxAbs}");
                checkedCount++;
            }
        }
        Assert.Equal(cases.Count, checkedCount);
    }

    [Fact]
    public void Max_length_truncation_keeps_the_trailing_endoftext()
    {
        using var model = EmbeddingModel.Load(Fixtures.Model("qwen3-realvocab-tiny"),
            new EmbeddingOptions { MaxLength = 8 }, new CpuOps(new CpuOptions { Threads = 1 }), tokenizerPath: Fixtures.SharedTokenizer);
        var encoded = model.Tokenize("one two three four five six seven eight nine ten eleven");
        Assert.Equal(8, encoded.Ids.Length);
        Assert.True(encoded.Truncated);
        Assert.Equal(151643, encoded.Ids[^1]);
    }

    [Fact]
    public void Prompt_names_come_from_the_model_and_unknown_ones_list_the_known()
    {
        var dir = Fixtures.Model("qwen3-gqa1-f32");
        var prompts = File.ReadAllText(Path.Combine(dir, "config_sentence_transformers.json"));
        using var doc = JsonDocument.Parse(prompts);
        var names = doc.RootElement.GetProperty("prompts").EnumerateObject().Select(p => p.Name).ToList();
        var e = Assert.Throws<ClusteringException>(() => EmbeddingModel.Load(dir, new EmbeddingOptions { PromptName = "nope" }, new CpuOps()));
        Assert.Contains("unknown prompt name \"nope\"", e.Message);
        foreach (var n in names) Assert.Contains(n, e.Message);
        foreach (var p in doc.RootElement.GetProperty("prompts").EnumerateObject())
        {
            using var model = EmbeddingModel.Load(dir, new EmbeddingOptions { PromptName = p.Name }, new CpuOps(new CpuOptions { Threads = 1 }));
            Assert.Equal(p.Value.GetString(), model.Prompt);
        }
        var both = Assert.Throws<ClusteringException>(() => EmbeddingModel.Load(dir, new EmbeddingOptions { PromptName = names[0], Instruction = "x" }, new CpuOps()));
        Assert.Equal("--instruction and --prompt-name: give one or the other", both.Message);
    }

    [Fact]
    public void An_instruction_becomes_the_qwen3_query_prefix()
    {
        using var model = EmbeddingModel.Load(Fixtures.Model("qwen3-gqa1-f32"), new EmbeddingOptions { Instruction = "Find code" }, new CpuOps(new CpuOptions { Threads = 1 }));
        Assert.Equal("Instruct: Find code\nQuery:", model.Prompt);
    }
}
