using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Clustering.Corpus;

/// <summary>
/// Turns one line into a <see cref="Document"/> or a <see cref="DocumentError"/> (or nothing, for a blank line).
/// JSON lines go through <see cref="Utf8JsonReader"/> over the line's bytes in one pass, picking the requested fields
/// out of <see cref="FieldNode"/>'s tree; nothing is allocated but the document's own strings and record.
/// UTF-8 is validated first, so a bad byte is reported, never replaced. One parser per reader (not thread-safe).
/// </summary>
internal sealed class LineDocumentParser
{
    private static readonly byte[] ByteOrderMark = [0xEF, 0xBB, 0xBF];

    private readonly CorpusOptions _options;
    private readonly FieldNode _fields;
    private readonly bool _json;
    private readonly string _source;

    public string Source => _source;

    // Per-line state of the JSON walk.
    private string? _id;
    private string? _text;
    private bool _textSeen;
    private string?[] _kept = [];
    private string? _error;

    public LineDocumentParser(CorpusOptions options, FieldNode fields, string source, bool json)
    {
        _options = options;
        _fields = fields;
        _source = source;
        _json = json;
    }

    public void Parse(ReadOnlySpan<byte> line, long number, bool firstLineOfFile, List<CorpusRecord> output)
    {
        if (firstLineOfFile && line.StartsWith(ByteOrderMark)) line = line[ByteOrderMark.Length..];
        if (line.IndexOfAnyExcept(" \t\r"u8) < 0) return; // blank lines are not documents
        if (!Utf8.IsValid(line))
        {
            output.Add(new DocumentError(_source, number, $"invalid UTF-8 at byte {InvalidUtf8Offset(line)} of the line"));
            return;
        }
        if (_json && _options.IsOpenAiBatch)
        {
            OpenAiBatchLine.Parse(line, number, _source, output, _options.KeepFields.Count);
            return;
        }
        if (!_json)
        {
            output.Add(new Document($"{_source}:{number}", Encoding.UTF8.GetString(line), NewKept(), _source, number));
            return;
        }
        output.Add(ParseJson(line, number));
    }

    private CorpusRecord ParseJson(ReadOnlySpan<byte> line, long number)
    {
        _id = null;
        _text = null;
        _textSeen = false;
        _error = null;
        _kept = NewKept();
        try
        {
            var reader = new Utf8JsonReader(line);
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
                return new DocumentError(_source, number, $"the line is a JSON {KindOf(reader.TokenType)}, not an object");
            Walk(ref reader, _fields, line);
            reader.Read(); // throws when anything but whitespace follows the object
        }
        catch (JsonException e)
        {
            return new DocumentError(_source, number, "malformed JSON: " + JsonErrorText.InLine(e));
        }
        catch (InvalidOperationException e)
        {
            // GetString on an escape that is not valid UTF-16 (a lone surrogate).
            return new DocumentError(_source, number, $"invalid JSON string: {e.Message}");
        }
        if (_error is not null) return new DocumentError(_source, number, _error);
        if (!_textSeen) return new DocumentError(_source, number, $"missing text field '{_options.TextField}'");
        return new Document(_id ?? $"{_source}:{number}", _text!, _kept, _source, number);
    }

    /// <summary>Walks the object the reader is at (StartObject) to its EndObject, taking the fields under <paramref name="node"/>.</summary>
    private void Walk(ref Utf8JsonReader reader, FieldNode node, ReadOnlySpan<byte> line)
    {
        var children = node.Children;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            FieldNode? child = null;
            foreach (var candidate in children)
                if (reader.ValueTextEquals(candidate.Utf8Name))
                {
                    child = candidate;
                    break;
                }
            reader.Read();
            if (child is null)
            {
                reader.Skip();
                continue;
            }
            var type = reader.TokenType;
            var start = (int)reader.TokenStartIndex;
            if (type == JsonTokenType.StartObject && child.Children.Length > 0) Walk(ref reader, child, line);
            else reader.Skip();
            if (child.Targets.Length > 0) Take(child, ref reader, type, start, line);
        }
    }

    /// <summary>Stores the value just read (for containers: the reader is at its end token) into the node's targets.</summary>
    private void Take(FieldNode node, ref Utf8JsonReader reader, JsonTokenType type, int start, ReadOnlySpan<byte> line)
    {
        foreach (var target in node.Targets)
        {
            switch (target)
            {
                case FieldNode.IdTarget:
                    if (type == JsonTokenType.String) _id = reader.GetString();
                    else if (type == JsonTokenType.Number) _id = Encoding.UTF8.GetString(reader.ValueSpan);
                    else if (type != JsonTokenType.Null)
                        _error ??= $"id field '{_options.IdField}' is a JSON {KindOf(type)}, not a string or number";
                    else _id = null; // null id: as if absent, the id is generated
                    break;
                case FieldNode.TextTarget:
                    _textSeen = true;
                    if (type == JsonTokenType.String) _text = reader.GetString();
                    else _error ??= $"text field '{_options.TextField}' is a JSON {KindOf(type)}, not a string";
                    break;
                default:
                    _kept[target] = type switch
                    {
                        JsonTokenType.String => reader.GetString(),
                        JsonTokenType.Null => null,
                        JsonTokenType.StartObject or JsonTokenType.StartArray =>
                            Encoding.UTF8.GetString(line[start..((int)reader.TokenStartIndex + 1)]),
                        _ => Encoding.UTF8.GetString(reader.ValueSpan), // numbers, true, false: as written
                    };
                    break;
            }
        }
    }

    private string?[] NewKept() => _options.KeepFields.Count == 0 ? [] : new string?[_options.KeepFields.Count];

    internal static string KindOf(JsonTokenType type) => type switch
    {
        JsonTokenType.StartArray => "array",
        JsonTokenType.StartObject => "object",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };

    /// <summary>The byte offset (0-based) of the first invalid UTF-8 sequence; only called on the error path.</summary>
    internal static int InvalidUtf8Offset(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
                return offset;
            offset += consumed;
        }
        return offset;
    }
}
