using System.Text.Json;

namespace Clustering.Tokenizers.JsonLines;

/// <summary>What one run of <see cref="TokenizeJsonLines"/> saw.</summary>
public readonly record struct TokenizeJsonLinesResult(long Records, long Errors, long BlankLines);

/// <summary>
/// The logic of `embedctl tokenize`: JSON lines {"id": ..., "text": ...} in, {"id": ..., "ids": [...]} out, one output line
/// per non-blank input line, in input order. The id is copied as the JSON value it was (string, number, null, ...).
/// A bad line (invalid UTF-8, not JSON, not an object, no string "text", too long) becomes
/// {"id": &lt;id or null&gt;, "line": N, "error": "..."} and the run goes on. Blank lines (only whitespace) are skipped and
/// not counted, but they do count in line numbers. Streams: the input is read in blocks, never whole
/// (<see cref="JsonTextLineReader"/>, shared with `embedctl encode`).
/// </summary>
public sealed class TokenizeJsonLines(Tokenizer tokenizer, bool addSpecialTokens, int maxLength)
{
    /// <summary>Longest input line accepted (bytes); longer lines are an error line, and the run goes on.</summary>
    public int MaxLineBytes { get; init; } = 64 << 20;

    public TokenizeJsonLinesResult Run(Stream input, Stream output)
    {
        long records = 0, errors = 0;
        var buffered = new BufferedStream(output, 1 << 16);
        using var writer = new Utf8JsonWriter(buffered, new JsonWriterOptions { SkipValidation = false, Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        // About to wait for input: let what is ready go out first (interactive use, pipes).
        var reader = new JsonTextLineReader(input) { MaxLineBytes = MaxLineBytes, BeforeWait = () => { writer.Flush(); buffered.Flush(); } };
        while (reader.TryRead(out var line))
        {
            var error = line.Error;
            int[]? ids = null;
            if (error is null)
            {
                try { ids = tokenizer.Encode(line.Text!, addSpecialTokens, maxLength).Ids; }
                catch (ArgumentException e) { error = e.Message; }
            }
            if (error is not null)
            {
                JsonTextLineReader.WriteError(writer, line, error);
                errors++;
            }
            else
            {
                writer.WriteStartObject();
                JsonTextLineReader.WriteId(writer, line.IdJson);
                writer.WriteStartArray("ids");
                foreach (int v in ids!) writer.WriteNumberValue(v);
                writer.WriteEndArray();
                writer.WriteEndObject();
                records++;
            }
            writer.Flush();
            buffered.WriteByte((byte)'\n');
            writer.Reset(buffered);
        }
        writer.Flush();
        buffered.Flush();
        return new TokenizeJsonLinesResult(records, errors, reader.BlankLines);
    }
}
