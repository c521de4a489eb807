using System.Text.Json.Nodes;

namespace Clustering.Models.Tests;

public class Qwen3ConfigTests
{
    [Fact]
    public void Reads_the_real_Qwen3_Embedding_0_6B_config_written_by_transformers_4()
    {
        var config = Qwen3Config.Load(Path.Combine(TestPaths.Shared06BConfigDirectory, "config.json"));
        Assert.Equal(new Qwen3Config("qwen3", "Qwen3ForCausalLM", VocabSize: 151669, HiddenSize: 1024, IntermediateSize: 3072,
            NumHiddenLayers: 28, NumAttentionHeads: 16, NumKeyValueHeads: 8, HeadDim: 128, RmsNormEps: 1e-6, RopeTheta: 1e6,
            MaxPositionEmbeddings: 32768, TieWordEmbeddings: true, TorchDtype: "bfloat16"), config);
    }

    [Fact]
    public void Reads_the_4B_config()
    {
        var c = Qwen3Config.Load(TestPaths.TestData("qwen3-embedding-4b-config.json"));
        Assert.Equal((2560, 36, 32, 8, 128, 9728, false), (c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, c.IntermediateSize, c.TieWordEmbeddings));
        Assert.Equal(1e6, c.RopeTheta);
    }

    [Fact]
    public void Reads_the_8B_config()
    {
        var c = Qwen3Config.Load(TestPaths.TestData("qwen3-embedding-8b-config.json"));
        Assert.Equal((4096, 36, 32, 8, 128, 12288, false), (c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, c.IntermediateSize, c.TieWordEmbeddings));
    }

    [Fact]
    public void Reads_a_transformers_5_config_with_rope_parameters_dtype_and_layer_types()
    {
        using var dir = new TempDirectory();
        var c = Load(dir, new TinyQwen3 { Transformers5Style = true }.Config());
        Assert.Equal(new Qwen3Config("qwen3", "Qwen3Model", 32, 16, 24, 2, 4, 2, 8, 1e-6, 1e6, 2048, true, "bfloat16"), c);
    }

    [Fact]
    public void Rope_parameters_nested_per_layer_type_use_the_full_attention_set()
    {
        using var dir = new TempDirectory();
        var config = new TinyQwen3 { Transformers5Style = true }.Config();
        config["rope_parameters"] = JsonNode.Parse("""{"full_attention": {"rope_type": "default", "rope_theta": 5000000.0}}""");
        Assert.Equal(5e6, Load(dir, config).RopeTheta);
    }

    [Fact]
    public void Absent_head_dim_is_hidden_over_heads_and_absent_kv_heads_equal_heads()
    {
        using var dir = new TempDirectory();
        var config = new TinyQwen3().Config();
        config.Remove("head_dim");
        config.Remove("num_key_value_heads");
        var c = Load(dir, config);
        Assert.Equal(16 / 4, c.HeadDim);
        Assert.Equal(4, c.NumKeyValueHeads);
    }

    [Fact]
    public void Absent_optional_fields_take_transformers_defaults()
    {
        using var dir = new TempDirectory();
        var config = new TinyQwen3().Config();
        foreach (var field in new[] { "rms_norm_eps", "rope_theta", "max_position_embeddings", "tie_word_embeddings", "torch_dtype", "hidden_act", "architectures" })
            config.Remove(field);
        var c = Load(dir, config);
        Assert.Equal((1e-6, 10000.0, 32768, false, "float32", "Qwen3Model"), (c.RmsNormEps, c.RopeTheta, c.MaxPositionEmbeddings, c.TieWordEmbeddings, c.TorchDtype, c.Architecture));
    }

    [Fact]
    public void Rope_scaling_of_type_default_is_accepted()
    {
        using var dir = new TempDirectory();
        var config = new TinyQwen3().Config();
        config["rope_scaling"] = JsonNode.Parse("""{"rope_type": "default"}""");
        Assert.Equal(1e6, Load(dir, config).RopeTheta);
    }

    public static TheoryData<string, string, string> Refusals => new()
    {
        // edit (JSON merged into config) | field named | words in the reason
        { """{"model_type": "llama"}""", "model_type", "llama" },
        { """{"model_type": null}""", "model_type", "missing" },
        { """{"architectures": ["Qwen3ForSequenceClassification"]}""", "architectures", "Qwen3ForSequenceClassification" },
        { """{"use_sliding_window": true}""", "use_sliding_window", "sliding-window" },
        { """{"rope_scaling": {"rope_type": "yarn", "factor": 4.0}}""", "rope_scaling.rope_type", "yarn" },
        { """{"rope_scaling": {"type": "linear", "factor": 2.0}}""", "rope_scaling.rope_type", "linear" },
        { """{"rope_parameters": {"rope_type": "dynamic", "rope_theta": 1000000.0}}""", "rope_parameters.rope_type", "dynamic" },
        { """{"attention_bias": true}""", "attention_bias", "bias" },
        { """{"rope_parameters": {"rope_type": "default", "rope_theta": "1e6"}}""", "rope_parameters.rope_theta", "finite number" },
        { """{"rope_parameters": {"rope_type": "default", "rope_theta": -1}}""", "rope_parameters.rope_theta", "positive" },
        { """{"rope_scaling": {"rope_type": 3}}""", "rope_scaling.rope_type", "expected a string" },
        { """{"rope_scaling": {"factor": 4.0}}""", "rope_scaling", "factor" },
        { """{"hidden_act": "gelu"}""", "hidden_act", "gelu" },
        { """{"hidden_size": null}""", "hidden_size", "missing" },
        { """{"hidden_size": 0}""", "hidden_size", "positive" },
        { """{"vocab_size": -5}""", "vocab_size", "positive" },
        { """{"intermediate_size": "big"}""", "intermediate_size", "integer" },
        { """{"num_hidden_layers": 2.5}""", "num_hidden_layers", "integer" },
        { """{"num_attention_heads": 4, "num_key_value_heads": 3}""", "num_key_value_heads", "multiple" },
        { """{"head_dim": 7}""", "head_dim", "even" },
        { """{"head_dim": null, "hidden_size": 18}""", "head_dim", "multiple" },
        { """{"num_attention_heads": 3000000000}""", "num_attention_heads", "32-bit" },
        { """{"rms_norm_eps": -1}""", "rms_norm_eps", "positive" },
        { """{"rope_theta": 0}""", "rope_theta", "positive" },
        { """{"tie_word_embeddings": "yes"}""", "tie_word_embeddings", "true or false" },
        { """{"layer_types": ["full_attention", "sliding_attention"]}""", "layer_types[1]", "sliding-window" },
        { """{"layer_types": ["full_attention"]}""", "layer_types", "num_hidden_layers" },
        { """{"layer_types": ["full_attention", "linear_attention"]}""", "layer_types[1]", "linear_attention" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Refuses_what_the_engine_cannot_honour_naming_the_field(string edit, string field, string reasonWords)
    {
        using var dir = new TempDirectory();
        var config = new TinyQwen3().Config();
        foreach (var (key, value) in JsonNode.Parse(edit)!.AsObject()) config[key] = value?.DeepClone();
        var path = Write(dir, config);
        var e = Assert.Throws<InputFormatException>(() => Qwen3Config.Load(path));
        Assert.Equal(path, e.Input);
        Assert.Equal(field, e.Position);
        Assert.Contains(reasonWords, e.Reason);
    }

    [Theory]
    [InlineData("", "empty file")]
    [InlineData("[1, 2]", "expected a JSON object, found an array")]
    [InlineData("{\"model_type\": \"qwen3\",", "not valid JSON")]
    public void Refuses_a_config_that_is_not_a_JSON_object(string text, string reason)
    {
        using var dir = new TempDirectory();
        string path = dir.File("config.json");
        File.WriteAllText(path, text);
        var e = Assert.Throws<InputFormatException>(() => Qwen3Config.Load(path));
        Assert.Equal(path, e.Input);
        Assert.Contains(reason, e.Reason);
    }

    [Fact]
    public void Refuses_a_missing_config_naming_it()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<InputFormatException>(() => Qwen3Config.Load(dir.File("config.json")));
        Assert.Equal(dir.File("config.json") + ": file not found", e.Message);
    }

    private static string Write(TempDirectory dir, JsonObject config)
    {
        string path = dir.File("config.json");
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    private static Qwen3Config Load(TempDirectory dir, JsonObject config) => Qwen3Config.Load(Write(dir, config));
}
