using System.Text.Json;

namespace Clustering.Serving;

/// <summary>
/// Reads a <c>/v1/embeddings</c> body into an <see cref="EmbeddingsRequest"/>, or says what is wrong in OpenAI's
/// error shape: the field (<c>param</c>) and, for inputs, the index. The input may be a string, a list of strings, a
/// list of token ids, or a list of lists of token ids, as OpenAI accepts; lists mixing these are refused.
/// Unknown fields are refused (OpenAI does the same), so a misspelt option is not silently ignored.
/// </summary>
public static class EmbeddingsRequestReader
{
    public static EmbeddingsRequest Read(ReadOnlySpan<byte> body, ServingLimits limits)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Refuse($"The body is not valid JSON ({JsonErrorText.Position(e)}): {JsonErrorText.Reason(e)}", null);
        }
        using (document)
            return Read(document.RootElement, limits);
    }

    private static EmbeddingsRequest Read(JsonElement root, ServingLimits limits)
    {
        if (root.ValueKind != JsonValueKind.Object) throw Refuse("The body must be a JSON object with \"model\" and \"input\".", null);
        string? model = null, user = null, instruction = null, promptName = null;
        List<EmbeddingInput>? inputs = null;
        int? dimensions = null;
        bool? truncate = null;
        var format = EncodingFormat.Float;
        foreach (var field in root.EnumerateObject())
        {
            var value = field.Value;
            switch (field.Name)
            {
                case "model": model = String(value, "model"); break;
                case "input": inputs = Inputs(value, limits); break;
                case "dimensions":
                    if (value.ValueKind == JsonValueKind.Null) break;
                    if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var d))
                        throw Refuse("'dimensions' must be an integer.", "dimensions");
                    if (d < 1) throw Refuse($"'dimensions' must be at least 1; got {d}.", "dimensions");
                    dimensions = d;
                    break;
                case "encoding_format":
                    if (value.ValueKind == JsonValueKind.Null) break;
                    format = String(value, "encoding_format") switch
                    {
                        "float" => EncodingFormat.Float,
                        "base64" => EncodingFormat.Base64,
                        var other => throw Refuse($"'encoding_format' must be \"float\" or \"base64\"; got \"{other}\".", "encoding_format"),
                    };
                    break;
                case "user": user = value.ValueKind == JsonValueKind.Null ? null : String(value, "user"); break;
                case "instruction": instruction = value.ValueKind == JsonValueKind.Null ? null : String(value, "instruction"); break;
                case "prompt_name": promptName = value.ValueKind == JsonValueKind.Null ? null : String(value, "prompt_name"); break;
                case "truncate":
                    if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
                        throw Refuse("'truncate' must be true or false.", "truncate");
                    truncate = value.ValueKind == JsonValueKind.Null ? null : value.GetBoolean();
                    break;
                default:
                    throw Refuse($"Unrecognized request argument supplied: {field.Name}", field.Name);
            }
        }
        if (model is null) throw Refuse("You must provide a model parameter.", "model");
        if (inputs is null) throw Refuse("'input' is required: a string, a list of strings, or token ids.", "input");
        if (instruction is not null && promptName is not null)
            throw Refuse("Give either 'instruction' or 'prompt_name', not both.", "instruction");
        return new EmbeddingsRequest(model, inputs, dimensions, format, user, instruction, promptName, truncate);
    }

    private static string String(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Refuse($"'{name}' must be a string.", name);

    private static List<EmbeddingInput> Inputs(JsonElement value, ServingLimits limits)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return [Text(value, null)];
            case JsonValueKind.Array:
                var count = value.GetArrayLength();
                if (count == 0) throw Refuse("'input' must not be an empty list.", "input");
                var first = value[0].ValueKind;
                if (first == JsonValueKind.Number) return [new EmbeddingInput(null, Ids(value, null))];
                if (count > limits.MaxInputs)
                    throw Refuse($"'input' has {count} items; at most {limits.MaxInputs} inputs are allowed per request.", "input");
                var inputs = new List<EmbeddingInput>(count);
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (first == JsonValueKind.String && item.ValueKind == JsonValueKind.String) inputs.Add(Text(item, index));
                    else if (first == JsonValueKind.Array && item.ValueKind == JsonValueKind.Array) inputs.Add(new EmbeddingInput(null, Ids(item, index)));
                    else throw Refuse($"'input[{index}]' is {Kind(item.ValueKind)}; the items of 'input' must all be strings, or all lists of token ids.", "input");
                    index++;
                }
                return inputs;
            default:
                throw Refuse($"'input' is {Kind(value.ValueKind)}; give a string, a list of strings, token ids, or a list of lists of token ids.", "input");
        }
    }

    private static EmbeddingInput Text(JsonElement value, int? index)
    {
        var text = value.GetString()!;
        if (text.Length == 0) throw Refuse($"'{Where(index)}' is an empty string; every input needs some text.", "input");
        return new EmbeddingInput(text, null);
    }

    private static int[] Ids(JsonElement list, int? index)
    {
        var count = list.GetArrayLength();
        if (count == 0) throw Refuse($"'{Where(index)}' is an empty list of token ids.", "input");
        var ids = new int[count];
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out ids[i]) || ids[i] < 0)
                throw Refuse($"'{Where(index)}[{i}]' is not a token id (a non-negative integer).", "input");
            i++;
        }
        return ids;
    }

    private static string Where(int? index) => index is int i ? $"input[{i}]" : "input";

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static OpenAiErrorException Refuse(string message, string? param) => new(OpenAiError.Invalid(message, param));
}
