using System.Text.Json;

namespace Clustering.Models;

/// <summary>
/// The fields of a Qwen3 config.json the engine uses, read from either shape transformers writes:
/// 4.x (top-level <c>rope_theta</c>, <c>rope_scaling</c>, <c>torch_dtype</c>, <c>use_sliding_window</c>) or
/// 5.x (<c>rope_parameters</c>, <c>dtype</c>, <c>layer_types</c>). <see cref="Load"/> refuses, naming the field,
/// whatever the engine cannot honour, so a model either loads to exactly this architecture or not at all.
/// </summary>
/// <param name="Architecture">The first of config.architectures the engine supports: Qwen3ForCausalLM or Qwen3Model.</param>
/// <param name="HeadDim">From head_dim, or hidden_size / num_attention_heads when absent. heads × head_dim may differ from hidden.</param>
/// <param name="TorchDtype">The dtype the checkpoint was saved in ("bfloat16", ...), "float32" when the config does not say.</param>
public sealed record Qwen3Config(
    string ModelType,
    string Architecture,
    int VocabSize,
    int HiddenSize,
    int IntermediateSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int NumKeyValueHeads,
    int HeadDim,
    double RmsNormEps,
    double RopeTheta,
    int MaxPositionEmbeddings,
    bool TieWordEmbeddings,
    string TorchDtype)
{
    public static readonly IReadOnlyList<string> SupportedArchitectures = ["Qwen3ForCausalLM", "Qwen3Model"];

    // Defaults are those of transformers' Qwen3Config, used only when a field is absent or null.
    private const double DefaultRmsNormEps = 1e-6;
    private const double DefaultRopeTheta = 10000.0;
    private const int DefaultMaxPositionEmbeddings = 32768;

    /// <summary>Sizes above this are refused: they would overflow index arithmetic long before they fit in memory.</summary>
    private const int MaxDimension = 1 << 24;

    /// <summary>Reads and validates config.json; throws <see cref="InputFormatException"/> naming the file and field.</summary>
    public static Qwen3Config Load(string configJsonPath)
    {
        using var document = JsonFields.ParseObjectFile(configJsonPath);
        return Parse(document.RootElement, configJsonPath);
    }

    /// <summary>Validates an already parsed config object; <paramref name="source"/> names it in messages.</summary>
    public static Qwen3Config Parse(JsonElement config, string source)
    {
        string modelType = JsonFields.OptionalString(config, "model_type", source)
            ?? throw new InputFormatException(source, "model_type", "required field is missing (expected \"qwen3\")");
        if (modelType != "qwen3")
            throw new InputFormatException(source, "model_type", $"unsupported model_type \"{modelType}\"; this engine runs \"qwen3\" only");

        string architecture = ReadArchitecture(config, source);

        int vocab = Dimension(config, "vocab_size", source);
        int hidden = Dimension(config, "hidden_size", source);
        int intermediate = Dimension(config, "intermediate_size", source);
        int layers = Dimension(config, "num_hidden_layers", source);
        int heads = Dimension(config, "num_attention_heads", source);
        // transformers' Qwen3Config sets num_key_value_heads = num_attention_heads when it is null.
        int kvHeads = OptionalDimension(config, "num_key_value_heads", source) ?? heads;
        if (heads % kvHeads != 0)
            throw new InputFormatException(source, "num_key_value_heads", $"num_attention_heads ({heads}) is not a multiple of num_key_value_heads ({kvHeads})");

        int headDim;
        if (OptionalDimension(config, "head_dim", source) is int explicitHeadDim) headDim = explicitHeadDim;
        else if (hidden % heads == 0) headDim = hidden / heads;
        else throw new InputFormatException(source, "head_dim", $"absent, and hidden_size ({hidden}) is not a multiple of num_attention_heads ({heads})");
        if (headDim % 2 != 0)
            throw new InputFormatException(source, "head_dim", $"must be even for rotary embeddings (halves are rotated), found {headDim}");
        if ((long)heads * headDim > MaxDimension)
            throw new InputFormatException(source, "head_dim", $"num_attention_heads × head_dim = {(long)heads * headDim} exceeds {MaxDimension}");

        double eps = JsonFields.OptionalDouble(config, "rms_norm_eps", source) ?? DefaultRmsNormEps;
        if (!(eps > 0)) throw new InputFormatException(source, "rms_norm_eps", $"must be positive, found {eps}");

        double ropeTheta = ReadRope(config, source);
        int maxPositions = OptionalDimension(config, "max_position_embeddings", source) ?? DefaultMaxPositionEmbeddings;
        bool tie = JsonFields.OptionalBool(config, "tie_word_embeddings", source) ?? false;

        string hiddenAct = JsonFields.OptionalString(config, "hidden_act", source) ?? "silu";
        if (hiddenAct != "silu")
            throw new InputFormatException(source, "hidden_act", $"unsupported activation \"{hiddenAct}\"; Qwen3 uses \"silu\"");
        if (JsonFields.OptionalBool(config, "attention_bias", source) == true)
            throw new InputFormatException(source, "attention_bias", "attention biases are not supported (Qwen3 checkpoints have none)");

        RefuseSlidingWindow(config, layers, source);

        // transformers 5 writes "dtype", 4.x "torch_dtype"; either may be absent in hand-written configs.
        string dtype = JsonFields.OptionalString(config, "dtype", source)
            ?? JsonFields.OptionalString(config, "torch_dtype", source)
            ?? "float32";

        return new Qwen3Config(modelType, architecture, vocab, hidden, intermediate, layers, heads, kvHeads, headDim,
            eps, ropeTheta, maxPositions, tie, dtype);
    }

    private static string ReadArchitecture(JsonElement config, string source)
    {
        if (JsonFields.OptionalArray(config, "architectures", source) is not JsonElement architectures)
            return "Qwen3Model"; // absent in configs written by hand; the base model is what an embedder runs
        var found = new List<string>();
        int index = 0;
        foreach (var item in architectures.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw new InputFormatException(source, $"architectures[{index}]", $"expected a string, found {JsonFields.Short(item)}");
            string name = item.GetString()!;
            if (SupportedArchitectures.Contains(name)) return name;
            found.Add(name);
            index++;
        }
        throw new InputFormatException(source, "architectures",
            $"none of [{string.Join(", ", found)}] is supported; expected one of {string.Join(", ", SupportedArchitectures)}");
    }

    /// <summary>rope_theta from rope_parameters (5.x) or the top level (4.x); refuses any rope type but "default".</summary>
    private static double ReadRope(JsonElement config, string source)
    {
        double? theta = null;
        if (JsonFields.OptionalObject(config, "rope_parameters", source) is JsonElement parameters)
        {
            string field = "rope_parameters";
            // transformers 5 nests the parameters per layer type when a model mixes them; take the full-attention set.
            if (!parameters.TryGetProperty("rope_type", out _) && !parameters.TryGetProperty("rope_theta", out _)
                && JsonFields.OptionalObject(parameters, "full_attention", source) is JsonElement perType)
            {
                parameters = perType;
                field = "rope_parameters.full_attention";
            }
            RefuseRopeType(parameters, field, source);
            theta = JsonFields.OptionalDouble(parameters, "rope_theta", source);
            if (theta is double pt && !(pt > 0)) throw new InputFormatException(source, field + ".rope_theta", $"must be positive, found {pt}");
        }
        if (JsonFields.OptionalObject(config, "rope_scaling", source) is JsonElement scaling)
            RefuseRopeType(scaling, "rope_scaling", source);
        if (theta is null && JsonFields.OptionalDouble(config, "rope_theta", source) is double top)
        {
            if (!(top > 0)) throw new InputFormatException(source, "rope_theta", $"must be positive, found {top}");
            theta = top;
        }
        return theta ?? DefaultRopeTheta;
    }

    private static void RefuseRopeType(JsonElement rope, string field, string source)
    {
        // 4.x wrote "type" in older configs and "rope_type" later; both name the same thing.
        string? type = JsonFields.OptionalString(rope, "rope_type", source) ?? JsonFields.OptionalString(rope, "type", source);
        if (type is not null && type != "default")
            throw new InputFormatException(source, field + ".rope_type", $"rope scaling \"{type}\" is not supported; only \"default\" (unscaled) RoPE is");
        if (JsonFields.TryGet(rope, "factor", out var factor) && field == "rope_scaling" && type is null)
            throw new InputFormatException(source, field, $"rope scaling with factor {JsonFields.Short(factor)} and no rope_type is not supported");
    }

    private static void RefuseSlidingWindow(JsonElement config, int layers, string source)
    {
        if (JsonFields.OptionalBool(config, "use_sliding_window", source) == true)
            throw new InputFormatException(source, "use_sliding_window", "sliding-window attention is not supported; every layer must attend to the whole sequence");
        if (JsonFields.OptionalArray(config, "layer_types", source) is not JsonElement layerTypes) return;
        int count = layerTypes.GetArrayLength();
        if (count != layers)
            throw new InputFormatException(source, "layer_types", $"lists {count} layers but num_hidden_layers is {layers}");
        int index = 0;
        foreach (var item in layerTypes.EnumerateArray())
        {
            string? kind = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            if (kind != "full_attention")
            {
                string why = kind == "sliding_attention"
                    ? "sliding-window attention is not supported; every layer must be \"full_attention\""
                    : $"unsupported layer type {JsonFields.Short(item)}; expected \"full_attention\"";
                throw new InputFormatException(source, $"layer_types[{index}]", why);
            }
            index++;
        }
    }

    private static int Dimension(JsonElement config, string field, string source)
        => OptionalDimension(config, field, source) ?? throw new InputFormatException(source, field, "required field is missing");

    private static int? OptionalDimension(JsonElement config, string field, string source)
    {
        int? value = JsonFields.OptionalPositiveInt(config, field, source);
        if (value > MaxDimension) throw new InputFormatException(source, field, $"{value} exceeds the largest supported size {MaxDimension}");
        return value;
    }
}
