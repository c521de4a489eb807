using System.Text.Json;

namespace Clustering.Models;

/// <summary>
/// What the sentence-transformers files of a model directory say about turning token states into an embedding:
/// prompts (config_sentence_transformers.json), the module chain (modules.json: Transformer → Pooling → Normalize)
/// and the pooling mode (the Pooling module's config.json, usually 1_Pooling/config.json).
/// </summary>
/// <param name="Prompts">Prompt name → text prepended to the input (e.g. "query" → "Instruct: ...\nQuery:"); empty when none.</param>
/// <param name="IncludePrompt">Whether prompt tokens take part in pooling (matters for Mean; LastToken/Cls do not care).</param>
/// <param name="Normalize">Whether modules.json ends in a Normalize module (L2 normalisation of the pooled vector).</param>
public sealed record SentenceTransformersConfig(
    IReadOnlyDictionary<string, string> Prompts,
    string? DefaultPromptName,
    PoolingMode Pooling,
    bool IncludePrompt,
    bool Normalize)
{
    public const string PromptsFileName = "config_sentence_transformers.json";
    public const string ModulesFileName = "modules.json";

    /// <summary>The Pooling config's word_embedding_dimension, when it gives one (checked against hidden_size at load).</summary>
    public int? WordEmbeddingDimension { get; init; }

    /// <summary>The file the pooling mode came from; null when it is the Qwen3-Embedding default.</summary>
    public string? PoolingSource { get; init; }

    /// <summary>Qwen3-Embedding's own choice, used when a directory has no sentence-transformers files: last token, L2.</summary>
    public static SentenceTransformersConfig Default { get; } =
        new(new Dictionary<string, string>(), null, PoolingMode.LastToken, IncludePrompt: true, Normalize: true);

    /// <summary>
    /// Reads the sentence-transformers files of a model directory. Missing files fall back to Qwen3-Embedding's
    /// behaviour: no modules.json → last-token pooling (or what 1_Pooling/config.json says, if present) and
    /// Normalize; no config_sentence_transformers.json → no prompts. A file that is present is validated whole.
    /// </summary>
    public static SentenceTransformersConfig Load(string directory)
    {
        var (prompts, defaultPrompt) = ReadPrompts(System.IO.Path.Combine(directory, PromptsFileName));

        string modulesPath = System.IO.Path.Combine(directory, ModulesFileName);
        string? poolingPath;
        bool normalize;
        if (File.Exists(modulesPath))
        {
            (poolingPath, normalize) = ReadModules(directory, modulesPath);
        }
        else
        {
            string conventional = System.IO.Path.Combine(directory, "1_Pooling", "config.json");
            poolingPath = File.Exists(conventional) ? conventional : null;
            normalize = true;
        }

        var config = Default with { Prompts = prompts, DefaultPromptName = defaultPrompt, Normalize = normalize };
        return poolingPath is null ? config : ReadPooling(poolingPath, config);
    }

    private static (IReadOnlyDictionary<string, string>, string?) ReadPrompts(string path)
    {
        var prompts = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path)) return (prompts, null);
        using var document = JsonFields.ParseObjectFile(path);
        var root = document.RootElement;
        if (JsonFields.OptionalObject(root, "prompts", path) is JsonElement dict)
        {
            foreach (var item in dict.EnumerateObject())
            {
                if (item.Value.ValueKind != JsonValueKind.String)
                    throw new InputFormatException(path, "prompts." + item.Name, $"expected a string, found {JsonFields.Short(item.Value)}");
                prompts[item.Name] = item.Value.GetString()!;
            }
        }
        string? defaultPrompt = JsonFields.OptionalString(root, "default_prompt_name", path);
        if (defaultPrompt is not null && !prompts.ContainsKey(defaultPrompt))
            throw new InputFormatException(path, "default_prompt_name", $"\"{defaultPrompt}\" is not one of the prompts [{string.Join(", ", prompts.Keys)}]");
        return (prompts, defaultPrompt);
    }

    /// <summary>Returns the Pooling module's config path and whether a Normalize module follows.</summary>
    private static (string PoolingConfig, bool Normalize) ReadModules(string directory, string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { throw new InputFormatException(path, null, "cannot read: " + e.Message); }
        if (bytes.Length > JsonFields.MaxConfigBytes) throw new InputFormatException(path, null, "file too large");
        JsonDocument document;
        try { document = JsonDocument.Parse(bytes); }
        catch (JsonException e) { throw JsonErrorText.FileRefusal(path, bytes, e); }
        using var _ = document;
        if (document.RootElement.ValueKind != JsonValueKind.Array)
            throw new InputFormatException(path, null, $"expected an array of modules, found {JsonFields.Describe(document.RootElement.ValueKind)}");

        string? pooling = null;
        bool normalize = false;
        int index = 0;
        foreach (var module in document.RootElement.EnumerateArray())
        {
            string field = $"[{index}]";
            if (module.ValueKind != JsonValueKind.Object)
                throw new InputFormatException(path, field, $"expected a module object, found {JsonFields.Describe(module.ValueKind)}");
            string type = JsonFields.OptionalString(module, "type", path) ?? throw new InputFormatException(path, field + ".type", "required field is missing");
            string modulePath = JsonFields.OptionalString(module, "path", path) ?? "";
            string kind = type[(type.LastIndexOf('.') + 1)..];
            if (!type.StartsWith("sentence_transformers.", StringComparison.Ordinal)) kind = "";
            switch (kind)
            {
                case "Transformer":
                    if (modulePath.Length != 0)
                        throw new InputFormatException(path, field + ".path", $"the Transformer module must be the model directory itself (path \"\"), found \"{modulePath}\"");
                    break;
                case "Pooling":
                    if (pooling is not null) throw new InputFormatException(path, field, "a second Pooling module is not supported");
                    pooling = ResolveInside(directory, modulePath, path, field + ".path");
                    pooling = System.IO.Path.Combine(pooling, "config.json");
                    if (!File.Exists(pooling)) throw new InputFormatException(pooling, null, $"the Pooling module's config is missing (named by {path})");
                    break;
                case "Normalize":
                    normalize = true;
                    break;
                default:
                    throw new InputFormatException(path, field + ".type", $"module \"{type}\" is not supported; only Transformer, Pooling and Normalize are");
            }
            index++;
        }
        if (pooling is null) throw new InputFormatException(path, null, "no Pooling module: the model would produce token embeddings, not one vector per input");
        return (pooling, normalize);
    }

    /// <summary>A module path from modules.json, kept inside the model directory (the file comes from outside).</summary>
    private static string ResolveInside(string directory, string relative, string source, string field)
    {
        string root = System.IO.Path.GetFullPath(directory);
        string full = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, relative));
        string rootWithSeparator = root.EndsWith(System.IO.Path.DirectorySeparatorChar) ? root : root + System.IO.Path.DirectorySeparatorChar;
        if (System.IO.Path.IsPathRooted(relative) || (full != root && !full.StartsWith(rootWithSeparator, StringComparison.Ordinal)))
            throw new InputFormatException(source, field, $"\"{relative}\" leaves the model directory");
        return full;
    }

    private static SentenceTransformersConfig ReadPooling(string path, SentenceTransformersConfig config)
    {
        using var document = JsonFields.ParseObjectFile(path);
        var root = document.RootElement;
        var chosen = new List<(string Field, PoolingMode? Mode)>();
        foreach (var (field, mode) in PoolingFields)
        {
            if (JsonFields.OptionalBool(root, field, path) == true) chosen.Add((field, mode));
        }
        if (chosen.Count == 0) throw new InputFormatException(path, null, "no pooling_mode_* is true");
        if (chosen.Count > 1)
            throw new InputFormatException(path, chosen[1].Field, $"several pooling modes ({string.Join(", ", chosen.Select(c => c.Field))}) would be concatenated; only one is supported");
        var (chosenField, chosenMode) = chosen[0];
        if (chosenMode is not PoolingMode pooling)
            throw new InputFormatException(path, chosenField, "this pooling mode is not supported; use last token, mean or CLS pooling");

        bool includePrompt = JsonFields.OptionalBool(root, "include_prompt", path) ?? true;
        int? dimension = JsonFields.OptionalPositiveInt(root, "word_embedding_dimension", path);
        return config with { Pooling = pooling, IncludePrompt = includePrompt, WordEmbeddingDimension = dimension, PoolingSource = path };
    }

    private static readonly (string Field, PoolingMode? Mode)[] PoolingFields =
    [
        ("pooling_mode_lasttoken", PoolingMode.LastToken),
        ("pooling_mode_mean_tokens", PoolingMode.Mean),
        ("pooling_mode_cls_token", PoolingMode.Cls),
        ("pooling_mode_max_tokens", null),
        ("pooling_mode_mean_sqrt_len_tokens", null),
        ("pooling_mode_weightedmean_tokens", null),
    ];
}
