using System.Text;
using System.Text.Json;

namespace Clustering.Cli.Io;

/// <summary>One input line of a JSON-lines command: {"id": ..., "text": "..."}, or why it could not be read.</summary>
/// <param name="Line">1-based line number in the input.</param>
/// <param name="IdJson">The id exactly as written (a JSON string or number), or null when absent or unreadable.</param>
/// <param name="Text">The text, or null when <paramref name="Error"/> is set.</param>
/// <param name="Error">Why the line is bad, or null.</param>
internal readonly record struct TextLine(long Line, string? IdJson, string? Text, string? Error);

/// <summary>
/// Reads {"id","text"} JSON lines (the input of `tokenize` and `encode`) a chunk at a time, so a command streams
/// and never holds the whole input. Blank lines are skipped; a bad line becomes a <see cref="TextLine"/> with an
/// error naming what is wrong, and reading goes on. Writes the matching error records.
/// </summary>
internal sealed class JsonLinesInput(TextReader reader)
{
    /// <summary>Longest accepted line, in characters: a guard against a runaway input without newlines.</summary>
    public const int MaxLineChars = 64 << 20;

    private long _line;

    /// <summary>Fills <paramref name="chunk"/> with up to <paramref name="maxLines"/> lines; false at the end of input with nothing read.</summary>
    public bool ReadChunk(List<TextLine> chunk, int maxLines)
    {
        chunk.Clear();
        string? raw;
        while (chunk.Count < maxLines && (raw = reader.ReadLine()) is not null)
        {
            _line++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            chunk.Add(Parse(_line, raw));
        }
        return chunk.Count > 0;
    }

    public static TextLine Parse(long line, string raw)
    {
        if (raw.Length > MaxLineChars) return new TextLine(line, null, null, $"line is longer than {MaxLineChars} characters");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(raw); }
        catch (JsonException e) { return new TextLine(line, null, null, $"not valid JSON at character {e.BytePositionInLine + 1}: {Reason(e)}"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return new TextLine(line, null, null, $"expected a JSON object, found {root.ValueKind.ToString().ToLowerInvariant()}");
            string? id = null;
            if (root.TryGetProperty("id", out var idElement))
            {
                if (idElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
                    return new TextLine(line, null, null, $"\"id\" must be a string or a number, found {idElement.ValueKind.ToString().ToLowerInvariant()}");
                id = idElement.GetRawText();
            }
            if (!root.TryGetProperty("text", out var text)) return new TextLine(line, id, null, "missing \"text\"");
            if (text.ValueKind != JsonValueKind.String) return new TextLine(line, id, null, $"\"text\" must be a string, found {text.ValueKind.ToString().ToLowerInvariant()}");
            return new TextLine(line, id, text.GetString()!, null);
        }
    }

    // System.Text.Json appends " LineNumber: 0 | BytePositionInLine: n." to its messages; the position is given separately.
    private static string Reason(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    /// <summary>{"id": id or null, "line": N, "error": "..."}.</summary>
    public static void WriteError(Utf8JsonWriter writer, TextLine line, string error)
    {
        writer.WriteStartObject();
        WriteId(writer, line.IdJson);
        writer.WriteNumber("line", line.Line);
        writer.WriteString("error", error);
        writer.WriteEndObject();
    }

    /// <summary>"id": the id as it was written, or null.</summary>
    public static void WriteId(Utf8JsonWriter writer, string? idJson)
    {
        writer.WritePropertyName("id");
        if (idJson is null) writer.WriteNullValue();
        else writer.WriteRawValue(idJson, skipInputValidation: true);
    }

    /// <summary>A writer for one JSON object per line on <paramref name="output"/>; the caller writes '\n' after each.</summary>
    public static Utf8JsonWriter Writer(Stream output) =>
        new(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });

    public static TextReader StandardInput() => new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false), false, 1 << 16);
}
