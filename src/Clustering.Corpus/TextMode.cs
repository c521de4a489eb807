using System.Text.Json.Serialization;

namespace Clustering.Corpus;

/// <summary>How a plain-text input becomes documents (<c>--text-mode</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TextMode>))]
public enum TextMode
{
    /// <summary>The whole file is one document; its id is the file's name.</summary>
    File,

    /// <summary>Each non-blank line is one document; its id is <c>&lt;file&gt;:&lt;line&gt;</c>.</summary>
    Line,
}
