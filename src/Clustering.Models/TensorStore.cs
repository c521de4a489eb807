using System.Text.Json;

namespace Clustering.Models;

/// <summary>
/// The tensors of a model directory, from <c>model.safetensors</c> or from the shards that
/// <c>model.safetensors.index.json</c> names, memory-mapped read-only. Names are canonical: a leading
/// <c>"model."</c> (Qwen3ForCausalLM checkpoints) is dropped, so both layouts read as <c>layers.0.mlp.up_proj.weight</c>.
/// Every file is validated whole when opened (see <see cref="SafetensorsFile"/>); views stay valid until Dispose.
/// </summary>
public sealed class TensorStore : IDisposable
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";
    private const string ModelPrefix = "model.";

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, (SafetensorsFile File, SafetensorsEntry Entry)> _tensors;

    private TensorStore(List<SafetensorsFile> files, Dictionary<string, (SafetensorsFile, SafetensorsEntry)> tensors)
    {
        _files = files;
        _tensors = tensors;
    }

    /// <summary>Canonical names of every tensor in the store.</summary>
    public IReadOnlyCollection<string> Names => _tensors.Keys;

    /// <summary>The safetensors files mapped, in the order they were opened.</summary>
    public IReadOnlyList<string> Files => _files.Select(f => f.Path).ToList();

    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The view of a tensor by canonical name; throws <see cref="KeyNotFoundException"/> naming it when absent.</summary>
    public TensorView Get(string name)
    {
        if (!_tensors.TryGetValue(name, out var found))
            throw new KeyNotFoundException($"tensor {name} is not in the model's safetensors files");
        return new TensorView(name, found.File, found.Entry);
    }

    public bool TryGet(string name, out TensorView view)
    {
        if (_tensors.TryGetValue(name, out var found))
        {
            view = new TensorView(name, found.File, found.Entry);
            return true;
        }
        view = default;
        return false;
    }

    /// <summary>
    /// Opens the weights of a model directory: <c>model.safetensors</c> when present (as transformers prefers it),
    /// else the shards of <c>model.safetensors.index.json</c>.
    /// </summary>
    public static TensorStore Open(string directory)
    {
        string single = System.IO.Path.Combine(directory, SingleFileName);
        string index = System.IO.Path.Combine(directory, IndexFileName);
        if (File.Exists(single)) return OpenFiles([single], weightMap: null, indexPath: null);
        if (File.Exists(index)) return OpenSharded(directory, index);
        string hint = File.Exists(System.IO.Path.Combine(directory, "pytorch_model.bin")) || File.Exists(System.IO.Path.Combine(directory, "pytorch_model.bin.index.json"))
            ? "; only PyTorch .bin weights are there: convert them to safetensors"
            : "";
        throw new InputFormatException(directory, null, $"no {SingleFileName} or {IndexFileName} in the model directory{hint}");
    }

    private static TensorStore OpenSharded(string directory, string indexPath)
    {
        using var document = JsonFields.ParseObjectFile(indexPath);
        var weightMap = JsonFields.OptionalObject(document.RootElement, "weight_map", indexPath)
            ?? throw new InputFormatException(indexPath, "weight_map", "required field is missing");

        var map = new Dictionary<string, string>(StringComparer.Ordinal); // tensor name as in the file → shard path
        var shards = new List<string>();
        var shardSet = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in weightMap.EnumerateObject())
        {
            string field = "weight_map." + item.Name;
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new InputFormatException(indexPath, field, $"expected a shard file name, found {JsonFields.Short(item.Value)}");
            string shard = item.Value.GetString()!;
            // The index comes from outside: a shard must be a plain file name inside the model directory.
            if (shard.Length == 0 || shard != System.IO.Path.GetFileName(shard) || shard is "." or ".." || shard.Contains('\\') || shard.Contains('\0'))
                throw new InputFormatException(indexPath, field, $"shard \"{JsonFields.Short(item.Value)}\" is not a plain file name in the model directory");
            if (!map.TryAdd(item.Name, shard))
                throw new InputFormatException(indexPath, field, "listed twice in weight_map");
            if (shardSet.Add(shard)) shards.Add(shard);
        }
        if (shards.Count == 0) throw new InputFormatException(indexPath, "weight_map", "names no tensors");

        var paths = new List<string>();
        foreach (string shard in shards)
        {
            string shardPath = System.IO.Path.Combine(directory, shard);
            if (!File.Exists(shardPath))
            {
                string example = map.First(kv => kv.Value == shard).Key;
                throw new InputFormatException(indexPath, "weight_map." + example, $"shard file {shardPath} is missing");
            }
            paths.Add(shardPath);
        }
        var mapByPath = map.ToDictionary(kv => kv.Key, kv => System.IO.Path.Combine(directory, kv.Value), StringComparer.Ordinal);
        return OpenFiles(paths, mapByPath, indexPath);
    }

    private static TensorStore OpenFiles(List<string> paths, Dictionary<string, string>? weightMap, string? indexPath)
    {
        var files = new List<SafetensorsFile>();
        try
        {
            var tensors = new Dictionary<string, (SafetensorsFile, SafetensorsEntry)>(StringComparer.Ordinal);
            foreach (string path in paths)
            {
                var file = SafetensorsFile.Open(path);
                files.Add(file);
                foreach (var entry in file.Entries)
                {
                    string canonical = CanonicalName(entry.Name);
                    if (tensors.TryGetValue(canonical, out var earlier))
                    {
                        string where = earlier.Item1 == file ? "also in the same file" : $"also in {earlier.Item1.Path}";
                        throw new InputFormatException(path, entry.Name, $"tensor {canonical} is listed twice ({earlier.Item2.Name}, {where})");
                    }
                    tensors.Add(canonical, (file, entry));
                }
            }
            if (weightMap is not null) CheckIndexAgainstShards(weightMap, indexPath!, files);
            return new TensorStore(files, tensors);
        }
        catch
        {
            foreach (var file in files) file.Dispose();
            throw;
        }
    }

    /// <summary>Every tensor the index names must be in the shard the index says.</summary>
    private static void CheckIndexAgainstShards(Dictionary<string, string> weightMap, string indexPath, List<SafetensorsFile> files)
    {
        var byPath = files.ToDictionary(f => f.Path, f => f.Entries.Select(e => e.Name).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var (name, shardPath) in weightMap)
        {
            if (!byPath[shardPath].Contains(name))
                throw new InputFormatException(indexPath, "weight_map." + name, $"tensor {name} is not in its shard {shardPath}");
        }
    }

    /// <summary>"model.layers.0.mlp.up_proj.weight" → "layers.0.mlp.up_proj.weight"; other names unchanged.</summary>
    public static string CanonicalName(string fileName)
        => fileName.StartsWith(ModelPrefix, StringComparison.Ordinal) ? fileName[ModelPrefix.Length..] : fileName;

    public void Dispose()
    {
        foreach (var file in _files) file.Dispose();
    }
}
