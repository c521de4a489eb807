using System.Text.Json.Nodes;

namespace Clustering.Models.Tests;

public class ModelDirectoryTests
{
    [Theory]
    [InlineData(false, false, 1, "BF16")]
    [InlineData(true, true, 3, "F16")]
    [InlineData(true, false, 2, "F32")]
    public void Opens_a_valid_directory_in_every_layout(bool transformers5, bool prefix, int shards, string dtype)
    {
        using var dir = new TempDirectory();
        new TinyQwen3 { Transformers5Style = transformers5, ModelPrefix = prefix, Shards = shards, DType = dtype, WithLmHead = prefix }.WriteTo(dir.Path);
        using var model = ModelDirectory.Open(dir.Path);
        Assert.Equal(dir.Path, model.Path);
        Assert.Equal(16, model.Config.HiddenSize);
        Assert.Equal(prefix ? "Qwen3ForCausalLM" : "Qwen3Model", model.Config.Architecture);
        Assert.Equal(Enum.Parse<TensorDType>(dtype), model.Tensors.Get("embed_tokens.weight").DType);
        Assert.Equal(Path.GetFileName(dir.Path), model.ModelId);
        Assert.Null(model.TokenizerPath);
    }

    [Theory]
    [InlineData("layers.1.self_attn.k_norm.weight")]
    [InlineData("embed_tokens.weight")]
    [InlineData("norm.weight")]
    [InlineData("layers.0.mlp.down_proj.weight")]
    public void Refuses_a_missing_tensor_naming_it_the_shape_and_the_file(string missing)
    {
        using var dir = new TempDirectory();
        new TinyQwen3 { EditTensors = t => t.Where(x => x.Name != missing).ToList() }.WriteTo(dir.Path);
        var e = Assert.Throws<InputFormatException>(() => ModelDirectory.Open(dir.Path));
        Assert.Equal(dir.File("model.safetensors"), e.Input);
        Assert.Equal(missing, e.Position);
        Assert.StartsWith("tensor missing", e.Reason);
    }

    public static TheoryData<string, long[], string> Misshapen => new()
    {
        { "layers.0.self_attn.q_proj.weight", [16, 16], "has shape (16, 16), expected (32, 16)" },           // heads*head_dim != hidden
        { "layers.1.self_attn.k_proj.weight", [32, 16], "has shape (32, 16), expected (16, 16)" },           // GQA: kv*head_dim
        { "layers.0.self_attn.o_proj.weight", [32, 16], "has shape (32, 16), expected (16, 32)" },           // transposed
        { "layers.0.self_attn.q_norm.weight", [16], "has shape (16,), expected (8,)" },
        { "layers.1.mlp.down_proj.weight", [24, 16], "has shape (24, 16), expected (16, 24)" },
        { "embed_tokens.weight", [33, 16], "has shape (33, 16), expected (32, 16)" },
        { "norm.weight", [1, 16], "has shape (1, 16), expected (16,)" },
    };

    [Theory]
    [MemberData(nameof(Misshapen))]
    public void Refuses_a_misshapen_tensor_naming_it_both_shapes_and_the_file(string name, long[] shape, string reason)
    {
        using var dir = new TempDirectory();
        new TinyQwen3
        {
            ModelPrefix = true,
            EditTensors = t => t.Select(x => x.Name != "model." + name ? x
                : x with { Shape = shape, Data = new byte[shape.Aggregate(2L, (a, b) => a * b)] }).ToList(),
        }.WriteTo(dir.Path);
        var e = Assert.Throws<InputFormatException>(() => ModelDirectory.Open(dir.Path));
        Assert.Equal(dir.File("model.safetensors"), e.Input);
        Assert.Equal("model." + name, e.Position);
        Assert.Contains($"tensor {name} {reason} from {dir.File("config.json")}", e.Reason);
    }

    [Fact]
    public void Refuses_weights_with_more_layers_than_the_config()
    {
        using var dir = new TempDirectory();
        new TinyQwen3 { Shards = 2, EditTensors = t => [.. t, new TestTensor("layers.2.input_layernorm.weight", "BF16", [16], new byte[32])] }.WriteTo(dir.Path);
        var e = Assert.Throws<InputFormatException>(() => ModelDirectory.Open(dir.Path));
        Assert.Equal("layers.2.input_layernorm.weight", e.Position);
        Assert.Contains("num_hidden_layers 2", e.Reason);
    }

    [Fact]
    public void A_config_refusal_comes_before_the_weights_are_touched()
    {
        using var dir = new TempDirectory();
        new TinyQwen3 { EditConfig = c => c["use_sliding_window"] = true }.WriteTo(dir.Path);
        File.WriteAllBytes(dir.File("model.safetensors"), [1, 2, 3]);
        var e = Assert.Throws<InputFormatException>(() => ModelDirectory.Open(dir.Path));
        Assert.Equal(dir.File("config.json"), e.Input);
        Assert.Equal("use_sliding_window", e.Position);
    }

    [Fact]
    public void Refuses_a_missing_directory_config_or_a_file_path()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<InputFormatException>(() => ModelDirectory.Open(dir.File("nope")));
        Assert.Contains("model directory not found", e.Message);
        e = Assert.Throws<InputFormatException>(() => ModelDirectory.Open(dir.Path));
        Assert.Equal(dir.File("config.json") + ": file not found", e.Message);
        File.WriteAllText(dir.File("f"), "");
        e = Assert.Throws<InputFormatException>(() => ModelDirectory.Open(dir.File("f")));
        Assert.Contains("is a file", e.Message);
    }

    [Fact]
    public void Without_sentence_transformers_files_it_defaults_to_Qwen3_Embedding_last_token_and_normalize()
    {
        using var dir = new TempDirectory();
        new TinyQwen3 { WithSentenceTransformersFiles = false }.WriteTo(dir.Path);
        using var model = ModelDirectory.Open(dir.Path);
        var st = model.SentenceTransformers;
        Assert.Equal((PoolingMode.LastToken, true, true, null, 0), (st.Pooling, st.Normalize, st.IncludePrompt, st.DefaultPromptName, st.Prompts.Count));
    }

    [Fact]
    public void Reads_the_real_Qwen3_Embedding_sentence_transformers_files()
    {
        var st = SentenceTransformersConfig.Load(TestPaths.Shared06BConfigDirectory);
        Assert.Equal((PoolingMode.LastToken, true, true, (string?)null, 1024), (st.Pooling, st.Normalize, st.IncludePrompt, st.DefaultPromptName, st.WordEmbeddingDimension));
        Assert.Equal("Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:", st.Prompts["query"]);
        Assert.Equal("", st.Prompts["document"]);
    }

    [Theory]
    [InlineData("pooling_mode_mean_tokens", PoolingMode.Mean)]
    [InlineData("pooling_mode_cls_token", PoolingMode.Cls)]
    public void Reads_mean_and_cls_pooling_and_a_chain_without_normalize(string field, PoolingMode mode)
    {
        using var dir = new TempDirectory();
        new TinyQwen3().WriteTo(dir.Path);
        EditJson(dir.File("1_Pooling/config.json"), c => { c["pooling_mode_lasttoken"] = false; c[field] = true; c["include_prompt"] = false; });
        File.WriteAllText(dir.File("modules.json"), """[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},{"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"}]""");
        EditJson(dir.File("config_sentence_transformers.json"), c => c["default_prompt_name"] = "query");
        using var model = ModelDirectory.Open(dir.Path);
        var st = model.SentenceTransformers;
        Assert.Equal((mode, false, false, "query"), (st.Pooling, st.Normalize, st.IncludePrompt, st.DefaultPromptName));
    }

    public static TheoryData<string, string, string, string?, string> SentenceTransformersRefusals => new()
    {
        // file | its new content | file named in the message | position | reason words
        { "1_Pooling/config.json", """{"pooling_mode_max_tokens": true}""", "1_Pooling/config.json", "pooling_mode_max_tokens", "not supported" },
        { "1_Pooling/config.json", """{"pooling_mode_weightedmean_tokens": true}""", "1_Pooling/config.json", "pooling_mode_weightedmean_tokens", "not supported" },
        { "1_Pooling/config.json", """{"pooling_mode_mean_tokens": true, "pooling_mode_cls_token": true}""", "1_Pooling/config.json", "pooling_mode_cls_token", "several pooling modes" },
        { "1_Pooling/config.json", """{"pooling_mode_lasttoken": false}""", "1_Pooling/config.json", null, "no pooling_mode_* is true" },
        { "1_Pooling/config.json", """{"pooling_mode_lasttoken": true, "word_embedding_dimension": 1024}""", "1_Pooling/config.json", "word_embedding_dimension", "differs from hidden_size 16" },
        { "1_Pooling/config.json", """{"pooling_mode_lasttoken": "yes"}""", "1_Pooling/config.json", "pooling_mode_lasttoken", "true or false" },
        { "modules.json", """[{"type": "sentence_transformers.models.Transformer", "path": ""}, {"type": "sentence_transformers.models.Dense", "path": "2_Dense"}]""", "modules.json", "[1].type", "Dense\" is not supported" },
        { "modules.json", """[{"type": "sentence_transformers.models.Transformer", "path": ""}]""", "modules.json", null, "no Pooling module" },
        { "modules.json", """[{"type": "sentence_transformers.models.Pooling", "path": "../../etc"}]""", "modules.json", "[0].path", "leaves the model directory" },
        { "modules.json", """[{"type": "sentence_transformers.models.Pooling", "path": "2_Pooling"}]""", "2_Pooling/config.json", null, "Pooling module's config is missing" },
        { "modules.json", """[{"type": "sentence_transformers.models.Transformer", "path": "0_Transformer"}]""", "modules.json", "[0].path", "must be the model directory itself" },
        { "modules.json", """{"modules": []}""", "modules.json", null, "expected an array of modules" },
        { "config_sentence_transformers.json", """{"prompts": {"query": "q: "}, "default_prompt_name": "passage"}""", "config_sentence_transformers.json", "default_prompt_name", "\"passage\" is not one of the prompts [query]" },
        { "config_sentence_transformers.json", """{"prompts": {"query": 1}}""", "config_sentence_transformers.json", "prompts.query", "expected a string" },
        { "config_sentence_transformers.json", """{"prompts": """, "config_sentence_transformers.json", "line 1, byte 13", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(SentenceTransformersRefusals))]
    public void Refuses_sentence_transformers_files_it_cannot_honour_naming_the_file(string file, string content, string named, string? position, string reason)
    {
        using var dir = new TempDirectory();
        new TinyQwen3().WriteTo(dir.Path);
        File.WriteAllText(dir.File(file), content);
        var e = Assert.Throws<InputFormatException>(() => ModelDirectory.Open(dir.Path));
        Assert.Equal(Path.GetFullPath(dir.File(named)), e.Input);
        Assert.Equal(position, e.Position);
        Assert.Contains(reason, e.Reason);
    }

    [Theory]
    [InlineData(new[] { "tokenizer.json" }, true)]
    [InlineData(new[] { "vocab.json", "merges.txt" }, true)]
    [InlineData(new[] { "vocab.json" }, false)]
    [InlineData(new string[0], false)]
    public void TokenizerPath_is_the_directory_when_it_holds_a_tokenizer(string[] files, bool found)
    {
        using var dir = new TempDirectory();
        new TinyQwen3().WriteTo(dir.Path);
        foreach (var f in files) File.WriteAllText(dir.File(f), "{}");
        using var model = ModelDirectory.Open(dir.Path);
        Assert.Equal(found ? dir.Path : null, model.TokenizerPath);
    }

    [Fact]
    public void ModelId_of_a_hugging_face_cache_snapshot_is_the_repository_id()
    {
        using var dir = new TempDirectory();
        string snapshot = Path.Combine(dir.Path, "models--Qwen--Qwen3-Embedding-0.6B", "snapshots", "97b0c614be4d77ee51c0cef4e5f07c00f9eb65b3");
        new TinyQwen3().WriteTo(snapshot);
        using var model = ModelDirectory.Open(snapshot + Path.DirectorySeparatorChar);
        Assert.Equal("Qwen/Qwen3-Embedding-0.6B", model.ModelId);
    }

    private static void EditJson(string path, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(node);
        File.WriteAllText(path, node.ToJsonString());
    }
}
