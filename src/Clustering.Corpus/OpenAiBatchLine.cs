using System.Text.Json;

namespace Clustering.Corpus;

/// <summary>
/// One line of an OpenAI batch file, <c>{"custom_id","method":"POST","url":"/v1/embeddings","body":{"model","input",...}}</c>,
/// as documents: one per input. A string input's id is the custom_id; the inputs of a list are
/// <c>custom_id#0</c>, <c>custom_id#1</c>... A line that is not such a request is one <see cref="DocumentError"/>
/// naming what is wrong (token-id inputs included: the batch reader takes text).
/// </summary>
public static class OpenAiBatchLine
{
    public static void Parse(ReadOnlySpan<byte> line, long number, string source, List<CorpusRecord> output, int keptFields = 0)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            using var document = JsonDocument.ParseValue(ref reader);
            if (reader.Read()) throw new JsonException("text after the request object");
            var error = Read(document.RootElement, number, source, output, keptFields);
            if (error is not null) output.Add(new DocumentError(source, number, error));
        }
        catch (JsonException e)
        {
            output.Add(new DocumentError(source, number, "malformed JSON: " + JsonErrorText.InLine(e)));
        }
    }

    /// <summary>Adds the request's documents, or returns why the line is not a request we can run.</summary>
    private static string? Read(JsonElement root, long number, string source, List<CorpusRecord> output, int keptFields)
    {
        if (root.ValueKind != JsonValueKind.Object) return "an OpenAI batch line must be a JSON object";
        if (!root.TryGetProperty("custom_id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString()!.Length == 0)
            return "missing custom_id (a non-empty string)";
        var customId = id.GetString()!;
        if (root.TryGetProperty("method", out var method) && (method.ValueKind != JsonValueKind.String || method.GetString() != "POST"))
            return $"request {customId}: method must be \"POST\"";
        if (!root.TryGetProperty("url", out var url) || url.ValueKind != JsonValueKind.String || url.GetString() != "/v1/embeddings")
            return $"request {customId}: url must be \"/v1/embeddings\" (this job embeds)";
        if (!root.TryGetProperty("body", out var body) || body.ValueKind != JsonValueKind.Object)
            return $"request {customId}: missing body (an object)";
        string? model = body.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        int? dimensions = null;
        if (body.TryGetProperty("dimensions", out var d) && d.ValueKind != JsonValueKind.Null)
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out var value) || value < 1) return $"request {customId}: body.dimensions must be a positive integer";
            dimensions = value;
        }
        var base64 = false;
        if (body.TryGetProperty("encoding_format", out var f) && f.ValueKind != JsonValueKind.Null)
        {
            if (f.ValueKind != JsonValueKind.String || f.GetString() is not ("float" or "base64")) return $"request {customId}: body.encoding_format must be \"float\" or \"base64\"";
            base64 = f.GetString() == "base64";
        }
        if (!body.TryGetProperty("input", out var input)) return $"request {customId}: missing body.input";
        if (input.ValueKind == JsonValueKind.String)
        {
            output.Add(new Document(customId, input.GetString()!, new string?[keptFields], source, number) { Batch = new OpenAiBatchItem(customId, 0, 1, model, dimensions, base64) });
            return null;
        }
        if (input.ValueKind != JsonValueKind.Array || input.GetArrayLength() == 0)
            return $"request {customId}: body.input must be a string or a non-empty list of strings";
        var count = input.GetArrayLength();
        var index = 0;
        foreach (var item in input.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                output.RemoveRange(output.Count - index, index); // all of the request or none of it
                return $"request {customId}: body.input[{index}] is not a string (token-id inputs are not read from batch files)";
            }
            output.Add(new Document($"{customId}#{index}", item.GetString()!, new string?[keptFields], source, number) { Batch = new OpenAiBatchItem(customId, index, count, model, dimensions, base64) });
            index++;
        }
        return null;
    }
}
