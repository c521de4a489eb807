using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Clustering.Inference.Cuda.Tests;

/// <summary>
/// Writes a Qwen3-Embedding model directory with random bf16 weights (uniform with std 0.02, norms at 1) for timing
/// on the GPU machine, where no checkpoint can be downloaded: config.json, model.safetensors, the
/// sentence-transformers files (last-token pooling, normalize). Same loading path as a real checkpoint.
/// </summary>
internal static class RandomModelWriter
{
    public sealed record Shape(int Hidden, int Intermediate, int Layers, int Heads, int KvHeads, int HeadDim, int Vocab = 151669);

    public static Shape Qwen3Embedding06B { get; } = new(1024, 3072, 28, 16, 8, 128);

    public static void Write(string directory, Shape s)
    {
        Directory.CreateDirectory(Path.Combine(directory, "1_Pooling"));
        var tensors = new List<(string Name, long[] Shape, bool Norm)> { ("embed_tokens.weight", [s.Vocab, s.Hidden], false) };
        for (var i = 0; i < s.Layers; i++)
        {
            var p = $"layers.{i}.";
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
        tensors.Add(("norm.weight", [s.Hidden], true));

        var header = new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" } };
        long offset = 0;
        foreach (var (name, shape, _) in tensors)
        {
            var bytes = shape.Aggregate(1L, (a, b) => a * b) * 2;
            header[name] = new Dictionary<string, object> { ["dtype"] = "BF16", ["shape"] = shape, ["data_offsets"] = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        var padded = (json.Length + 7) / 8 * 8;
        using (var file = new FileStream(Path.Combine(directory, "model.safetensors"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            file.Write(BitConverter.GetBytes((ulong)padded));
            file.Write(json);
            for (var i = json.Length; i < padded; i++) file.WriteByte((byte)' ');
            var chunk = new ushort[1 << 22];
            var state = 0x9E3779B97F4A7C15UL;
            foreach (var (_, shape, norm) in tensors)
            {
                var remaining = shape.Aggregate(1L, (a, b) => a * b);
                while (remaining > 0)
                {
                    var count = (int)Math.Min(chunk.Length, remaining);
                    for (var i = 0; i < count; i++)
                    {
                        if (norm) { chunk[i] = 0x3F80; continue; } // 1.0
                        state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                        var uniform = (float)((state >> 40) * (1.0 / (1L << 24))) * 2f - 1f; // [-1, 1)
                        chunk[i] = Bf16.FromFloat(uniform * 0.0346f);                      // std 0.02
                    }
                    file.Write(MemoryMarshal.AsBytes(chunk.AsSpan(0, count)));
                    remaining -= count;
                }
            }
        }

        File.WriteAllText(Path.Combine(directory, "config.json"), string.Create(CultureInfo.InvariantCulture, $$"""
            {"architectures": ["Qwen3Model"], "model_type": "qwen3", "hidden_size": {{s.Hidden}}, "intermediate_size": {{s.Intermediate}},
             "num_hidden_layers": {{s.Layers}}, "num_attention_heads": {{s.Heads}}, "num_key_value_heads": {{s.KvHeads}}, "head_dim": {{s.HeadDim}},
             "vocab_size": {{s.Vocab}}, "max_position_embeddings": 32768, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
             "hidden_act": "silu", "attention_bias": false, "tie_word_embeddings": true, "torch_dtype": "bfloat16"}
            """));
        File.WriteAllText(Path.Combine(directory, "modules.json"), """
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
             {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
            """);
        File.WriteAllText(Path.Combine(directory, "1_Pooling", "config.json"), $$"""
            {"word_embedding_dimension": {{s.Hidden}}, "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": false,
             "pooling_mode_max_tokens": false, "pooling_mode_mean_sqrt_len_tokens": false, "pooling_mode_weightedmean_tokens": false,
             "pooling_mode_lasttoken": true, "include_prompt": true}
            """);
        File.WriteAllText(Path.Combine(directory, "config_sentence_transformers.json"), """
            {"prompts": {"query": "", "document": ""}, "default_prompt_name": null, "similarity_fn_name": "cosine"}
            """);
    }
}
