using System.Text.Json;

namespace Clustering.Models;

/// <summary>
/// Reads typed fields out of a JSON object and refuses, with <see cref="InputFormatException"/> naming the file
/// and the field, anything that is not what the field must be. "Absent" and JSON null are the same to callers.
/// </summary>
internal static class JsonFields
{
    /// <summary>Parses a whole JSON file that must hold an object; refuses a missing file, bad JSON or another JSON kind.</summary>
    public static JsonDocument ParseObjectFile(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new InputFormatException(path, null, "file not found");
            // Config files are kilobytes; a cap keeps a hostile file from taking the process's memory.
            if (info.Length > MaxConfigBytes) throw new InputFormatException(path, null, $"file is {info.Length} bytes; a JSON config larger than {MaxConfigBytes} bytes is refused");
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e) { throw new InputFormatException(path, null, "cannot read: " + e.Message); }
        catch (UnauthorizedAccessException e) { throw new InputFormatException(path, null, "cannot read: " + e.Message); }
        return ParseObject(bytes, path);
    }

    public const long MaxConfigBytes = 64L * 1024 * 1024;

    public static JsonDocument ParseObject(ReadOnlyMemory<byte> utf8, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 64, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw JsonErrorText.FileRefusal(source, utf8.Span, e);
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind;
            document.Dispose();
            throw new InputFormatException(source, null, $"expected a JSON object, found {Describe(kind)}");
        }
        return document;
    }

    public static bool TryGet(JsonElement obj, string field, out JsonElement value)
    {
        if (obj.TryGetProperty(field, out value) && value.ValueKind != JsonValueKind.Null) return true;
        value = default;
        return false;
    }

    public static int RequiredPositiveInt(JsonElement obj, string field, string source)
        => OptionalPositiveInt(obj, field, source) ?? throw new InputFormatException(source, field, "required field is missing");

    public static int? OptionalPositiveInt(JsonElement obj, string field, string source)
    {
        if (!TryGet(obj, field, out var value)) return null;
        int number = Int(value, field, source);
        if (number <= 0) throw new InputFormatException(source, field, $"must be positive, found {number}");
        return number;
    }

    public static int Int(JsonElement value, string field, string source)
    {
        if (value.ValueKind != JsonValueKind.Number) throw new InputFormatException(source, field, $"expected an integer, found {Describe(value.ValueKind)}");
        if (value.TryGetInt32(out int number)) return number;
        // 1024.0 is an integer written as a float: accept it as Python would accept it.
        if (value.TryGetDouble(out double d) && d == Math.Floor(d) && d >= int.MinValue && d <= int.MaxValue) return (int)d;
        throw new InputFormatException(source, field, $"expected a 32-bit integer, found {value.GetRawText()}");
    }

    /// <param name="fieldPath">How the field is named in messages when it is nested ("rope_parameters.rope_theta").</param>
    public static double? OptionalDouble(JsonElement obj, string field, string source, string? fieldPath = null)
    {
        if (!TryGet(obj, field, out var value)) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double number) || !double.IsFinite(number))
            throw new InputFormatException(source, fieldPath ?? field, $"expected a finite number, found {Short(value)}");
        return number;
    }

    public static bool? OptionalBool(JsonElement obj, string field, string source)
    {
        if (!TryGet(obj, field, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InputFormatException(source, field, $"expected true or false, found {Short(value)}"),
        };
    }

    public static string? OptionalString(JsonElement obj, string field, string source, string? fieldPath = null)
    {
        if (!TryGet(obj, field, out var value)) return null;
        if (value.ValueKind != JsonValueKind.String) throw new InputFormatException(source, fieldPath ?? field, $"expected a string, found {Short(value)}");
        return value.GetString()!;
    }

    public static JsonElement? OptionalObject(JsonElement obj, string field, string source)
    {
        if (!TryGet(obj, field, out var value)) return null;
        if (value.ValueKind != JsonValueKind.Object) throw new InputFormatException(source, field, $"expected an object, found {Short(value)}");
        return value;
    }

    public static JsonElement? OptionalArray(JsonElement obj, string field, string source)
    {
        if (!TryGet(obj, field, out var value)) return null;
        if (value.ValueKind != JsonValueKind.Array) throw new InputFormatException(source, field, $"expected an array, found {Short(value)}");
        return value;
    }

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>A value for a message: its JSON text when short, else its kind (a hostile file must not flood the log).</summary>
    public static string Short(JsonElement value)
    {
        if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array) return Describe(value.ValueKind);
        string text = value.GetRawText();
        return text.Length <= 64 ? text : text[..61] + "...";
    }
}
