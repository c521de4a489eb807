using System.Globalization;

namespace Clustering.Models;

/// <summary>
/// The tensors Qwen3 needs and their shapes, from the config, in the names of transformers' modeling_qwen3.py
/// without the "model." prefix. Linear weights are (out_features, in_features). lm_head.weight is not needed:
/// an embedder stops at the final norm.
/// </summary>
public static class Qwen3Architecture
{
    public static IEnumerable<(string Name, long[] Shape)> ExpectedTensors(Qwen3Config config)
    {
        long hidden = config.HiddenSize;
        long qWidth = (long)config.NumAttentionHeads * config.HeadDim;
        long kvWidth = (long)config.NumKeyValueHeads * config.HeadDim;
        long intermediate = config.IntermediateSize;

        yield return ("embed_tokens.weight", [config.VocabSize, hidden]);
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            string p = "layers." + i.ToString(CultureInfo.InvariantCulture) + ".";
            yield return (p + "input_layernorm.weight", [hidden]);
            yield return (p + "self_attn.q_proj.weight", [qWidth, hidden]);
            yield return (p + "self_attn.k_proj.weight", [kvWidth, hidden]);
            yield return (p + "self_attn.v_proj.weight", [kvWidth, hidden]);
            yield return (p + "self_attn.o_proj.weight", [hidden, qWidth]);
            yield return (p + "self_attn.q_norm.weight", [config.HeadDim]);
            yield return (p + "self_attn.k_norm.weight", [config.HeadDim]);
            yield return (p + "post_attention_layernorm.weight", [hidden]);
            yield return (p + "mlp.gate_proj.weight", [intermediate, hidden]);
            yield return (p + "mlp.up_proj.weight", [intermediate, hidden]);
            yield return (p + "mlp.down_proj.weight", [hidden, intermediate]);
        }
        yield return ("norm.weight", [hidden]);
    }

    /// <summary>
    /// Refuses a store that lacks a needed tensor, holds one with another shape, or holds layers beyond
    /// num_hidden_layers (the config does not belong to these weights). Messages name the tensor, both shapes and the file.
    /// </summary>
    public static void Verify(Qwen3Config config, TensorStore tensors, string configPath, string weightsDescription)
    {
        foreach (var (name, expected) in ExpectedTensors(config))
        {
            if (!tensors.TryGet(name, out var view))
                throw new InputFormatException(weightsDescription, name,
                    $"tensor missing: Qwen3 with {configPath} needs {name} of shape {ShapeText.Format(expected)}");
            var found = view.Shape;
            if (!found.AsSpan().SequenceEqual(expected))
                throw new InputFormatException(view.File, view.FileName,
                    $"tensor {name} has shape {ShapeText.Format(found)}, expected {ShapeText.Format(expected)} from {configPath}");
        }
        foreach (string name in tensors.Names)
        {
            if (!name.StartsWith("layers.", StringComparison.Ordinal)) continue;
            int dot = name.IndexOf('.', 7);
            if (dot > 7 && int.TryParse(name.AsSpan(7, dot - 7), NumberStyles.None, CultureInfo.InvariantCulture, out int layer) && layer >= config.NumHiddenLayers)
            {
                var view = tensors.Get(name);
                throw new InputFormatException(view.File, view.FileName,
                    $"tensor of layer {layer} but {configPath} has num_hidden_layers {config.NumHiddenLayers}: config and weights do not belong together");
            }
        }
    }
}
