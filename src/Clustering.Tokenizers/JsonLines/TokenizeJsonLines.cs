using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace Clustering.Tokenizers.JsonLines;

/// <summary>What one run of <see cref="TokenizeJsonLines"/> saw.</summary>
public readonly record struct TokenizeJsonLinesResult(long Records, long Errors, long BlankLines);

/// <summary>
/// The logic of `embedctl tokenize`: JSON lines {"id": ..., "text": ...} in, {"id": ..., "ids": [...]} out, one output line
/// per non-blank input line, in input order. The id is copied as the JSON value it was (string, number, null, ...).
/// A bad line (invalid UTF-8, not JSON, not an object, no string "text", too long) becomes
/// {"id": &lt;id or null&gt;, "line": N, "error": "..."} and the run goes on. Blank lines (only whitespace) are skipped and
/// not counted, but they do count in line numbers. Streams: the input is read in blocks, never whole.
/// </summary>
public sealed class TokenizeJsonLines(Tokenizer tokenizer, bool addSpecialTokens, int maxLength)
{
    /// <summary>Longest input line accepted (bytes); longer lines are an error line, and the run goes on.</summary>
    public int MaxLineBytes { get; init; } = 64 << 20;

    public TokenizeJsonLinesResult Run(Stream input, Stream output)
    {
        long records = 0, errors = 0, blanks = 0, lineNumber = 0;
        var buffered = new BufferedStream(output, 1 << 16);
        using var writer = new Utf8JsonWriter(buffered, new JsonWriterOptions { SkipValidation = false, Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var line = new ArrayBufferWriter<byte>(4096);
        var block = new byte[1 << 16];
        bool overlong = false;
        int blockLength = 0, blockPos = 0;
        while (true)
        {
            if (blockPos == blockLength)
            {
                // About to wait for input: let what is ready go out first (interactive use, pipes).
                writer.Flush();
                buffered.Flush();
                blockLength = input.Read(block, 0, block.Length);
                blockPos = 0;
                if (blockLength == 0) break;
            }
            int newline = Array.IndexOf(block, (byte)'\n', blockPos, blockLength - blockPos);
            int end = newline < 0 ? blockLength : newline;
            if (!overlong)
            {
                if (line.WrittenCount + (end - blockPos) > MaxLineBytes) { overlong = true; line.Clear(); }
                else line.Write(block.AsSpan(blockPos, end - blockPos));
            }
            blockPos = end;
            if (newline < 0) continue;
            blockPos++;
            lineNumber++;
            HandleLine();
        }
        if (line.WrittenCount > 0 || overlong) { lineNumber++; HandleLine(); }
        writer.Flush();
        buffered.Flush();
        return new TokenizeJsonLinesResult(records, errors, blanks);

        void HandleLine()
        {
            var bytes = line.WrittenSpan;
            if (bytes.Length > 0 && bytes[^1] == '\r') bytes = bytes[..^1];
            if (overlong)
            {
                WriteError(default, false, $"line is longer than {MaxLineBytes} bytes");
            }
            else if (IsBlank(bytes)) blanks++;
            else ProcessLine(bytes);
            overlong = false;
            line.Clear();
        }

        void ProcessLine(ReadOnlySpan<byte> bytes)
        {
            if (!Utf8.IsValid(bytes))
            {
                IsValidUtf8(bytes, out int badAt);
                WriteError(default, false, $"invalid UTF-8 at byte {badAt + 1} of the line");
                return;
            }
            JsonDocument doc;
            try { doc = JsonDocument.Parse(bytes.ToArray()); }
            catch (JsonException e)
            {
                WriteError(default, false, $"not JSON: {e.Message}");
                return;
            }
            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) { WriteError(default, false, $"expected a JSON object, found {root.ValueKind}"); return; }
                bool hasId = root.TryGetProperty("id", out var id);
                if (!root.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                {
                    WriteError(id, hasId, text.ValueKind == JsonValueKind.Undefined ? "no \"text\" field" : $"\"text\" is {text.ValueKind}, not a string");
                    return;
                }
                int[] ids;
                try { ids = tokenizer.Encode(text.GetString()!, addSpecialTokens, maxLength).Ids; }
                catch (ArgumentException e) { WriteError(id, hasId, e.Message); return; }
                writer.WriteStartObject();
                writer.WritePropertyName("id");
                if (hasId) id.WriteTo(writer); else writer.WriteNullValue();
                writer.WriteStartArray("ids");
                foreach (int v in ids) writer.WriteNumberValue(v);
                writer.WriteEndArray();
                writer.WriteEndObject();
                EndLine();
                records++;
            }
        }

        void WriteError(JsonElement id, bool hasId, string message)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("id");
            if (hasId) id.WriteTo(writer); else writer.WriteNullValue();
            writer.WriteNumber("line", lineNumber);
            writer.WriteString("error", message);
            writer.WriteEndObject();
            EndLine();
            errors++;
        }

        void EndLine()
        {
            writer.Flush();
            buffered.WriteByte((byte)'\n');
            writer.Reset(buffered);
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes) if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r')) return false;
        return true;
    }

    /// <summary>True when valid; otherwise the offset of the first byte that is not part of a valid UTF-8 sequence.</summary>
    private static bool IsValidUtf8(ReadOnlySpan<byte> bytes, out int firstInvalid)
    {
        firstInvalid = -1;
        int offset = 0;
        while (offset < bytes.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out int consumed);
            if (status != OperationStatus.Done) { firstInvalid = offset; return false; }
            offset += consumed;
        }
        return true;
    }
}
