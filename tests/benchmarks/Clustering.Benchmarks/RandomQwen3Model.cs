using System.Globalization;
using System.Text.Json;

namespace Clustering.Benchmarks;

/// <summary>
/// Writes a Qwen3-Embedding-shaped model directory with random bf16 weights (N(0, 0.02)-like, norms at 1):
/// config.json (transformers 4.x style), model.safetensors, modules.json, 1_Pooling, config_sentence_transformers.json.
/// For timing only; make_random_model.py writes the same shapes with transformers where torch exists.
/// </summary>
internal static class RandomQwen3Model
{
    private sealed record Shape(int Hidden, int Intermediate, int Layers, int Heads, int KvHeads, int HeadDim, bool Tied, int MaxPositions, int Vocab = 151669);

    private static readonly Dictionary<string, Shape> Sizes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["0.6b"] = new(1024, 3072, 28, 16, 8, 128, true, 32768),
        ["4b"] = new(2560, 9728, 36, 32, 8, 128, true, 40960),
        ["8b"] = new(4096, 12288, 36, 32, 8, 128, false, 40960),
        ["tiny"] = new(256, 768, 4, 4, 2, 64, true, 32768),
    };

    public static int Run(string[] args)
    {
        var a = EngineBenchmark.Args.Parse(args);
        var size = a.Get("--size") ?? "0.6b";
        var outDir = a.Get("--out") ?? throw new ArgumentException("--out DIR is required");
        if (!Sizes.TryGetValue(size, out var s)) throw new ArgumentException($"--size {size}: one of {string.Join(", ", Sizes.Keys)}");
        Directory.CreateDirectory(Path.Combine(outDir, "1_Pooling"));

        var tensors = new List<(string Name, long[] Shape, bool Norm)> { ("model.embed_tokens.weight", [s.Vocab, s.Hidden], false) };
        for (var i = 0; i < s.Layers; i++)
        {
            var p = $"model.layers.{i}.";
            tensors.Add((p + "input_layernorm.weight", [s.Hidden], true));
            tensors.Add((p + "self_attn.q_proj.weight", [s.Heads * s.HeadDim, s.Hidden], false));
            tensors.Add((p + "self_attn.k_proj.weight", [s.KvHeads * s.HeadDim, s.Hidden], false));
            tensors.Add((p + "self_attn.v_proj.weight", [s.KvHeads * s.HeadDim, s.Hidden], false));
            tensors.Add((p + "self_attn.o_proj.weight", [s.Hidden, s.Heads * s.HeadDim], false));
            tensors.Add((p + "self_attn.q_norm.weight", [s.HeadDim], true));
            tensors.Add((p + "self_attn.k_norm.weight", [s.HeadDim], true));
            tensors.Add((p + "post_attention_layernorm.weight", [s.Hidden], true));
            tensors.Add((p + "mlp.gate_proj.weight", [s.Intermediate, s.Hidden], false));
            tensors.Add((p + "mlp.up_proj.weight", [s.Intermediate, s.Hidden], false));
            tensors.Add((p + "mlp.down_proj.weight", [s.Hidden, s.Intermediate], false));
        }
        tensors.Add(("model.norm.weight", [s.Hidden], true));
        if (!s.Tied) tensors.Add(("lm_head.weight", [s.Vocab, s.Hidden], false));

        var header = new Dictionary<string, object>();
        long offset = 0;
        foreach (var (name, shape, _) in tensors)
        {
            var bytes = shape.Aggregate(1L, (x, y) => x * y) * 2;
            header[name] = new { dtype = "BF16", shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        var headerBytes = JsonSerializer.SerializeToUtf8Bytes(header);
        var pad = (8 - headerBytes.Length % 8) % 8;
        using (var f = new FileStream(Path.Combine(outDir, "model.safetensors"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            f.Write(BitConverter.GetBytes((long)(headerBytes.Length + pad)));
            f.Write(headerBytes);
            for (var i = 0; i < pad; i++) f.WriteByte((byte)' ');
            var rng = new Random(1);
            var buffer = new byte[1 << 20];
            foreach (var (_, shape, norm) in tensors)
            {
                var remaining = shape.Aggregate(1L, (x, y) => x * y) * 2;
                while (remaining > 0)
                {
                    var n = (int)Math.Min(buffer.Length, remaining);
                    for (var i = 0; i < n; i += 2)
                    {
                        // bf16 = top half of the float: norms 1.0, weights uniform in ±0.035 (σ ≈ 0.02).
                        var value = norm ? 1f : (float)(rng.NextDouble() * 0.07 - 0.035);
                        var bits = BitConverter.SingleToUInt32Bits(value);
                        buffer[i] = (byte)(bits >> 16);
                        buffer[i + 1] = (byte)(bits >> 24);
                    }
                    f.Write(buffer, 0, n);
                    remaining -= n;
                }
            }
        }

        var config = $$"""
        {
          "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "attention_bias": false, "attention_dropout": 0.0,
          "bos_token_id": 151643, "eos_token_id": 151643, "head_dim": {{s.HeadDim}}, "hidden_act": "silu",
          "hidden_size": {{s.Hidden}}, "initializer_range": 0.02, "intermediate_size": {{s.Intermediate}},
          "max_position_embeddings": {{s.MaxPositions}}, "max_window_layers": {{s.Layers}}, "num_attention_heads": {{s.Heads}},
          "num_hidden_layers": {{s.Layers}}, "num_key_value_heads": {{s.KvHeads}}, "rms_norm_eps": 1e-06, "rope_scaling": null,
          "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": {{(s.Tied ? "true" : "false")}},
          "torch_dtype": "bfloat16", "use_cache": false, "use_sliding_window": false, "vocab_size": {{s.Vocab}}
        }
        """;
        File.WriteAllText(Path.Combine(outDir, "config.json"), config);
        File.WriteAllText(Path.Combine(outDir, "modules.json"), """
        [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
         {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
         {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
        """);
        File.WriteAllText(Path.Combine(outDir, "1_Pooling", "config.json"),
            "{\"word_embedding_dimension\": " + s.Hidden.ToString(CultureInfo.InvariantCulture) + ", \"pooling_mode_cls_token\": false, \"pooling_mode_mean_tokens\": false, \"pooling_mode_max_tokens\": false, \"pooling_mode_mean_sqrt_len_tokens\": false, \"pooling_mode_weightedmean_tokens\": false, \"pooling_mode_lasttoken\": true, \"include_prompt\": true}");
        File.WriteAllText(Path.Combine(outDir, "config_sentence_transformers.json"),
            "{\"prompts\": {\"query\": \"Instruct: Given a web search query, retrieve relevant passages that answer the query\\nQuery:\", \"document\": \"\"}, \"default_prompt_name\": null, \"similarity_fn_name\": \"cosine\"}");
        Console.WriteLine($"wrote {outDir}: {size}, {offset / 1e9:F2} GB of bf16 weights");
        return 0;
    }
}
