using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace Clustering.Tokenizers.JsonLines;

/// <summary>One non-blank input line of a JSON-lines command: {"id": ..., "text": "..."}, or why it cannot be used.</summary>
/// <param name="Line">1-based line number in the input (blank lines count).</param>
/// <param name="IdJson">The id exactly as written (any JSON value), or null when absent or the line is unreadable.</param>
/// <param name="Text">The text, or null when <paramref name="Error"/> is set.</param>
/// <param name="Error">Why the line is bad, or null.</param>
public readonly record struct JsonTextLine(long Line, string? IdJson, string? Text, string? Error);

/// <summary>
/// Reads the {"id","text"} JSON lines that `embedctl tokenize` and `embedctl encode` take on stdin, streaming:
/// the input is read in blocks, never whole. Blank lines (only whitespace) are skipped and counted; every other
/// line becomes a <see cref="JsonTextLine"/>, a bad one (invalid UTF-8, not JSON, not an object, no string "text",
/// too long) with its error, and reading goes on. <see cref="WriteId"/> / <see cref="WriteError"/> write the
/// matching output fields, so both commands report bad lines the same way.
/// </summary>
public sealed class JsonTextLineReader(Stream input)
{
    private readonly ArrayBufferWriter<byte> _line = new(4096);
    private readonly byte[] _block = new byte[1 << 16];
    private int _blockLength, _blockPos;
    private long _lineNumber;
    private bool _ended;

    /// <summary>Longest input line accepted (bytes); a longer line is an error line, and reading goes on.</summary>
    public int MaxLineBytes { get; init; } = 64 << 20;

    /// <summary>Called before the reader blocks on the input: lets a command flush what is ready (interactive use, pipes).</summary>
    public Action? BeforeWait { get; init; }

    public long BlankLines { get; private set; }

    /// <summary>The next non-blank line; false at the end of the input.</summary>
    public bool TryRead(out JsonTextLine line)
    {
        while (!_ended)
        {
            var overlong = false;
            _line.Clear();
            var complete = false;
            while (!complete)
            {
                if (_blockPos == _blockLength)
                {
                    BeforeWait?.Invoke();
                    _blockLength = input.Read(_block, 0, _block.Length);
                    _blockPos = 0;
                    if (_blockLength == 0)
                    {
                        _ended = true;
                        if (_line.WrittenCount == 0 && !overlong) { line = default; return false; }
                        break;
                    }
                }
                var newline = Array.IndexOf(_block, (byte)'\n', _blockPos, _blockLength - _blockPos);
                var end = newline < 0 ? _blockLength : newline;
                if (!overlong)
                {
                    if (_line.WrittenCount + (end - _blockPos) > MaxLineBytes) { overlong = true; _line.Clear(); }
                    else _line.Write(_block.AsSpan(_blockPos, end - _blockPos));
                }
                _blockPos = end;
                if (newline >= 0) { _blockPos++; complete = true; }
            }
            _lineNumber++;
            if (overlong) { line = new JsonTextLine(_lineNumber, null, null, $"line is longer than {MaxLineBytes} bytes"); return true; }
            var bytes = _line.WrittenSpan;
            if (bytes.Length > 0 && bytes[^1] == '\r') bytes = bytes[..^1];
            if (IsBlank(bytes)) { BlankLines++; continue; }
            line = Parse(_lineNumber, bytes);
            return true;
        }
        line = default;
        return false;
    }

    /// <summary>
    /// Fills <paramref name="chunk"/> with up to <paramref name="maxLines"/> lines, stopping early rather than wait for
    /// more input once it holds a line (so a command answers an interactive line at once); false when nothing was left.
    /// </summary>
    public bool ReadChunk(List<JsonTextLine> chunk, int maxLines)
    {
        chunk.Clear();
        while (chunk.Count < maxLines && !(chunk.Count > 0 && _blockPos == _blockLength) && TryRead(out var line)) chunk.Add(line);
        return chunk.Count > 0;
    }

    public static JsonTextLine Parse(long lineNumber, ReadOnlySpan<byte> bytes)
    {
        if (!Utf8.IsValid(bytes))
            return new JsonTextLine(lineNumber, null, null, $"invalid UTF-8 at byte {FirstInvalidUtf8(bytes) + 1} of the line");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(bytes.ToArray()); }
        catch (JsonException e) { return new JsonTextLine(lineNumber, null, null, "not JSON: " + JsonErrorText.InLine(e)); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return new JsonTextLine(lineNumber, null, null, $"expected a JSON object, found {root.ValueKind}");
            var id = root.TryGetProperty("id", out var idElement) ? idElement.GetRawText() : null;
            if (!root.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                return new JsonTextLine(lineNumber, id, null, text.ValueKind == JsonValueKind.Undefined ? "no \"text\" field" : $"\"text\" is {text.ValueKind}, not a string");
            return new JsonTextLine(lineNumber, id, text.GetString()!, null);
        }
    }

    /// <summary>"id": the id as it was written, or null.</summary>
    public static void WriteId(Utf8JsonWriter writer, string? idJson)
    {
        writer.WritePropertyName("id");
        if (idJson is null) writer.WriteNullValue();
        else writer.WriteRawValue(idJson, skipInputValidation: true);
    }

    /// <summary>{"id": id or null, "line": N, "error": "..."}.</summary>
    public static void WriteError(Utf8JsonWriter writer, JsonTextLine line, string error)
    {
        writer.WriteStartObject();
        WriteId(writer, line.IdJson);
        writer.WriteNumber("line", line.Line);
        writer.WriteString("error", error);
        writer.WriteEndObject();
    }

    private static bool IsBlank(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes) if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r')) return false;
        return true;
    }

    /// <summary>The offset of the first byte that is not part of a valid UTF-8 sequence.</summary>
    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed) != OperationStatus.Done) return offset;
            offset += consumed;
        }
        return -1;
    }
}
