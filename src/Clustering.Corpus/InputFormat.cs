using System.Text.Json.Serialization;

namespace Clustering.Corpus;

/// <summary>How an input's bytes are read: JSON lines or plain text, each optionally gzip-compressed, or Parquet.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InputFormat>))]
public enum InputFormat
{
    JsonLines,
    GzipJsonLines,
    Text,
    GzipText,
    Parquet,
}

/// <summary>The file-name extensions we read, and what they mean.</summary>
public static class InputFormats
{
    /// <summary>
    /// The format of a key by its extension (case-insensitive), or null when we do not read it.
    /// <paramref name="explicitlyNamed"/> also accepts <c>.json</c>/<c>.json.gz</c> as JSON lines: a folder walk skips
    /// them (folders often hold configuration or single-document JSON), a file or glob that names them takes them.
    /// </summary>
    public static InputFormat? Detect(string key, bool explicitlyNamed)
    {
        var name = key[(key.LastIndexOf('/') + 1)..];
        if (name.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)) return InputFormat.Parquet;
        var gzip = name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        if (gzip) name = name[..^3];
        var dot = name.LastIndexOf('.');
        if (dot < 0) return null;
        var extension = name[(dot + 1)..].ToLowerInvariant();
        return extension switch
        {
            "jsonl" or "ndjson" => gzip ? InputFormat.GzipJsonLines : InputFormat.JsonLines,
            "json" when explicitlyNamed => gzip ? InputFormat.GzipJsonLines : InputFormat.JsonLines,
            "txt" or "text" or "md" => gzip ? InputFormat.GzipText : InputFormat.Text,
            _ => null,
        };
    }

    public static bool IsGzip(this InputFormat format) => format is InputFormat.GzipJsonLines or InputFormat.GzipText;

    public static bool IsText(this InputFormat format) => format is InputFormat.Text or InputFormat.GzipText;
}
