using System.Text.Json;

namespace Clustering.Tokenizers.Loading;

/// <summary>
/// A JSON element with its file and JSON path, so every load error names both ("tokenizer.json ($.model.merges[3]): ...").
/// </summary>
internal readonly record struct JsonNode(JsonElement Element, string File, string Path)
{
    /// <summary>The root of a small JSON file (a tokenizer's config or vocabulary); a parse error names the file, line and column.</summary>
    public static JsonNode ParseFile(string file)
    {
        var bytes = System.IO.File.ReadAllBytes(file);
        try
        {
            return new JsonNode(JsonDocument.Parse(bytes).RootElement, file, "$");
        }
        catch (JsonException e)
        {
            throw JsonErrorText.FileRefusal(file, bytes, e);
        }
    }

    public InputFormatException Error(string reason) => new(File, Path, reason);

    public bool IsNull => Element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    public JsonNode Required(string name)
    {
        if (Element.ValueKind != JsonValueKind.Object) throw Error($"expected an object, found {Element.ValueKind}");
        if (!Element.TryGetProperty(name, out var child)) throw Error($"required field \"{name}\" is missing");
        return new JsonNode(child, File, $"{Path}.{name}");
    }

    public JsonNode? Optional(string name)
    {
        if (Element.ValueKind != JsonValueKind.Object) throw Error($"expected an object, found {Element.ValueKind}");
        if (!Element.TryGetProperty(name, out var child) || child.ValueKind == JsonValueKind.Null) return null;
        return new JsonNode(child, File, $"{Path}.{name}");
    }

    public string String() => Element.ValueKind == JsonValueKind.String ? Element.GetString()! : throw Error($"expected a string, found {Element.ValueKind}");
    public bool Bool() => Element.ValueKind is JsonValueKind.True or JsonValueKind.False ? Element.GetBoolean() : throw Error($"expected true or false, found {Element.ValueKind}");
    public int Int() => Element.ValueKind == JsonValueKind.Number && Element.TryGetInt32(out int v) ? v : throw Error($"expected a 32-bit integer, found {Element}");

    public string? OptionalString(string name) => Optional(name)?.String();
    public bool OptionalBool(string name, bool fallback) => Optional(name)?.Bool() ?? fallback;

    public IEnumerable<JsonNode> Items()
    {
        if (Element.ValueKind != JsonValueKind.Array) throw Error($"expected an array, found {Element.ValueKind}");
        int i = 0;
        foreach (var item in Element.EnumerateArray()) yield return new JsonNode(item, File, $"{Path}[{i++}]");
    }

    public IEnumerable<(string Name, JsonNode Value)> Properties()
    {
        if (Element.ValueKind != JsonValueKind.Object) throw Error($"expected an object, found {Element.ValueKind}");
        foreach (var p in Element.EnumerateObject()) yield return (p.Name, new JsonNode(p.Value, File, $"{Path}.{p.Name}"));
    }

    /// <summary>The "type" tag of a component.</summary>
    public string Type() => Required("type").String();
}
