using System.Text.Json;
using System.Text.Json.Nodes;

namespace Clustering.Models.Tests;

/// <summary>
/// Writes a tiny but complete Qwen3 model directory for tests: config.json in transformers 4.x or 5.x style,
/// safetensors weights (single or sharded, with or without "model."), optional sentence-transformers files.
/// Sizes: vocab 32, hidden 16, 4 heads × head_dim 8 (≠ hidden / heads), 2 kv heads, intermediate 24, 2 layers.
/// </summary>
internal sealed class TinyQwen3
{
    public int Vocab { get; set; } = 32;
    public int Hidden { get; set; } = 16;
    public int Heads { get; set; } = 4;
    public int KvHeads { get; set; } = 2;
    public int HeadDim { get; set; } = 8;
    public int Intermediate { get; set; } = 24;
    public int Layers { get; set; } = 2;
    public bool Transformers5Style { get; set; }
    public bool ModelPrefix { get; set; }
    public int Shards { get; set; } = 1;
    public string DType { get; set; } = "BF16";
    public bool WithLmHead { get; set; }
    public bool WithSentenceTransformersFiles { get; set; } = true;

    /// <summary>Called with each tensor list before writing: drop, reshape or add tensors for hostile cases.</summary>
    public Func<List<TestTensor>, List<TestTensor>>? EditTensors { get; set; }

    /// <summary>Called with config.json before writing.</summary>
    public Action<JsonObject>? EditConfig { get; set; }

    public JsonObject Config()
    {
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray(ModelPrefix ? "Qwen3ForCausalLM" : "Qwen3Model"),
            ["attention_bias"] = false,
            ["attention_dropout"] = 0.0,
            ["head_dim"] = HeadDim,
            ["hidden_act"] = "silu",
            ["hidden_size"] = Hidden,
            ["intermediate_size"] = Intermediate,
            ["max_position_embeddings"] = 2048,
            ["model_type"] = "qwen3",
            ["num_attention_heads"] = Heads,
            ["num_hidden_layers"] = Layers,
            ["num_key_value_heads"] = KvHeads,
            ["rms_norm_eps"] = 1e-6,
            ["tie_word_embeddings"] = !WithLmHead,
            ["vocab_size"] = Vocab,
        };
        if (Transformers5Style)
        {
            config["dtype"] = "bfloat16";
            config["rope_parameters"] = new JsonObject { ["rope_type"] = "default", ["rope_theta"] = 1000000.0 };
            var layerTypes = new JsonArray();
            for (int i = 0; i < Layers; i++) layerTypes.Add("full_attention");
            config["layer_types"] = layerTypes;
            config["sliding_window"] = null;
            config["use_sliding_window"] = false;
            config["transformers_version"] = "5.17.0";
        }
        else
        {
            config["torch_dtype"] = "bfloat16";
            config["rope_theta"] = 1000000;
            config["rope_scaling"] = null;
            config["sliding_window"] = null;
            config["use_sliding_window"] = false;
            config["max_window_layers"] = Layers;
            config["transformers_version"] = "4.51.3";
        }
        EditConfig?.Invoke(config);
        return config;
    }

    /// <summary>Every tensor with its canonical shape, filled with a ramp so values are recognisable.</summary>
    public List<TestTensor> Tensors()
    {
        var list = new List<TestTensor>();
        void Add(string name, params long[] shape)
        {
            long count = shape.Aggregate(1L, (a, b) => a * b);
            byte[] data = DType switch
            {
                "F32" => SafetensorsWriter.F32Ramp(count, 0.25f),
                "F16" => SafetensorsWriter.F16Ramp(count, 0.25f),
                _ => SafetensorsWriter.BF16Ramp(count, 0.25f),
            };
            list.Add(new TestTensor((ModelPrefix ? "model." : "") + name, DType, shape, data));
        }
        Add("embed_tokens.weight", Vocab, Hidden);
        for (int i = 0; i < Layers; i++)
        {
            string p = $"layers.{i}.";
            Add(p + "input_layernorm.weight", Hidden);
            Add(p + "self_attn.q_proj.weight", Heads * HeadDim, Hidden);
            Add(p + "self_attn.k_proj.weight", KvHeads * HeadDim, Hidden);
            Add(p + "self_attn.v_proj.weight", KvHeads * HeadDim, Hidden);
            Add(p + "self_attn.o_proj.weight", Hidden, Heads * HeadDim);
            Add(p + "self_attn.q_norm.weight", HeadDim);
            Add(p + "self_attn.k_norm.weight", HeadDim);
            Add(p + "post_attention_layernorm.weight", Hidden);
            Add(p + "mlp.gate_proj.weight", Intermediate, Hidden);
            Add(p + "mlp.up_proj.weight", Intermediate, Hidden);
            Add(p + "mlp.down_proj.weight", Hidden, Intermediate);
        }
        Add("norm.weight", Hidden);
        if (WithLmHead)
            list.Add(new TestTensor("lm_head.weight", DType, [Vocab, Hidden], new byte[Vocab * Hidden * (DType == "F32" ? 4 : 2)]));
        return list;
    }

    /// <summary>Writes the directory and returns it.</summary>
    public string WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), Config().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var tensors = Tensors();
        if (EditTensors is not null) tensors = EditTensors(tensors);
        if (Shards <= 1)
        {
            SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        }
        else
        {
            var weightMap = new JsonObject();
            int perShard = (tensors.Count + Shards - 1) / Shards;
            for (int s = 0; s < Shards; s++)
            {
                string shard = $"model-{s + 1:00000}-of-{Shards:00000}.safetensors";
                var part = tensors.Skip(s * perShard).Take(perShard).ToList();
                SafetensorsWriter.Write(Path.Combine(directory, shard), part, new Dictionary<string, string> { ["format"] = "pt" });
                foreach (var t in part) weightMap[t.Name] = shard;
            }
            var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = 0 }, ["weight_map"] = weightMap };
            File.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"), index.ToJsonString());
        }
        if (WithSentenceTransformersFiles) WriteSentenceTransformersFiles(directory, Hidden);
        return directory;
    }

    /// <summary>The three files Qwen3-Embedding ships (modules, 1_Pooling/config.json, prompts), with this hidden size.</summary>
    public static void WriteSentenceTransformersFiles(string directory, int hidden)
    {
        File.WriteAllText(Path.Combine(directory, "modules.json"), """
            [
              {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
              {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
              {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}
            ]
            """);
        Directory.CreateDirectory(Path.Combine(directory, "1_Pooling"));
        File.WriteAllText(Path.Combine(directory, "1_Pooling", "config.json"), $$"""
            {
              "word_embedding_dimension": {{hidden}},
              "pooling_mode_cls_token": false,
              "pooling_mode_mean_tokens": false,
              "pooling_mode_max_tokens": false,
              "pooling_mode_mean_sqrt_len_tokens": false,
              "pooling_mode_weightedmean_tokens": false,
              "pooling_mode_lasttoken": true,
              "include_prompt": true
            }
            """);
        File.WriteAllText(Path.Combine(directory, "config_sentence_transformers.json"), """
            {
              "prompts": {
                "query": "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:",
                "document": ""
              },
              "default_prompt_name": null,
              "similarity_fn_name": "cosine"
            }
            """);
    }
}
