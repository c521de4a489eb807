using System.Text.Json;
using System.Text.RegularExpressions;

namespace Clustering;

/// <summary>
/// What a <see cref="JsonException"/> says is wrong, in our words: System.Text.Json's messages speak of tokens,
/// "isFinalBlock", reader options and .NET type names (`System.Nullable`1[System.Int32]`), and append a position in
/// 0-based numbers. Every place that shows a user why their JSON was refused (model files, job specs, API bodies,
/// manifests) takes the reason from here and gives the position itself, 1-based, with <see cref="Position"/>.
/// </summary>
public static partial class JsonErrorText
{
    /// <summary>"line L, byte B" (1-based) where the reader stopped; null when the exception has no position.</summary>
    public static string? Position(JsonException e) =>
        e.LineNumber is long line ? $"line {line + 1}, byte {(e.BytePositionInLine ?? 0) + 1}" : null;

    /// <summary>
    /// The refusal of a JSON file (or object) <paramref name="source"/> whose bytes <paramref name="content"/> did not
    /// parse: "empty file" for 0 bytes, else "not valid JSON: reason" at the line and byte where the reader stopped.
    /// </summary>
    public static InputFormatException FileRefusal(string source, ReadOnlySpan<byte> content, JsonException e)
    {
        if (content.IsEmpty) return new InputFormatException(source, null, "empty file");
        if (content.IndexOfAnyExcept(" \t\r\n"u8) < 0) return new InputFormatException(source, null, "only whitespace, no JSON");
        return new InputFormatException(source, Position(e), "not valid JSON: " + Reason(e));
    }

    /// <summary>The reason for one line of JSON Lines, with the byte of the line where the reader stopped.</summary>
    public static string InLine(JsonException e) =>
        e.BytePositionInLine is long b ? $"{Reason(e)} (byte {b + 1} of the line)" : Reason(e);

    /// <summary>The reason alone, without position or path: one short clause a user can act on.</summary>
    public static string Reason(JsonException e)
    {
        var text = WithoutTail(e.Message);
        if (text.StartsWith("The input does not contain any JSON tokens", StringComparison.Ordinal))
            return "no JSON in it (empty or only whitespace)";
        if (text.StartsWith("Expected depth to be zero at the end of the JSON payload", StringComparison.Ordinal))
            return "it ends inside an object or array (truncated?)";
        if (text.StartsWith("Expected end of string, but instead reached end of data", StringComparison.Ordinal))
            return "it ends inside a string (truncated?)";
        if (text.Contains("but instead reached end of data", StringComparison.Ordinal))
            return "it ends where a value should follow (truncated?)";
        if (text.StartsWith("The JSON object contains a trailing comma", StringComparison.Ordinal)
            || text.StartsWith("The JSON array contains a trailing comma", StringComparison.Ordinal))
            return "a trailing comma (JSON allows none)";
        if (ConvertedTo().Match(text) is { Success: true } converted)
            return "expected " + Expected(converted.Groups["type"].Value);
        if (MissingRequired().Match(text) is { Success: true } missing)
            return "required field missing: " + missing.Groups["names"].Value.Replace("'", "", StringComparison.Ordinal);
        if (NotMapped().Match(text) is { Success: true } unknown)
            return $"unknown field '{unknown.Groups["name"].Value}'";
        // The reader's own sentences ("'x' is invalid after a value. Expected either ',', '}', or ']'.") are plain
        // enough; only advice meant for the programmer goes.
        return text.Replace(" Change the reader options.", "", StringComparison.Ordinal).TrimEnd('.');
    }

    /// <summary>The message without the " Path: ... | LineNumber: ... | BytePositionInLine: ..." System.Text.Json appends.</summary>
    private static string WithoutTail(string message)
    {
        var line = message.Split('\n')[0].Trim();
        foreach (var tail in new[] { " Path: ", " LineNumber: " })
        {
            var cut = line.IndexOf(tail, StringComparison.Ordinal);
            if (cut >= 0) line = line[..cut];
        }
        return line.Trim();
    }

    /// <summary>A .NET type name ("System.Int32") as what a user should have written there ("a whole number").</summary>
    public static string Expected(string type)
    {
        if (Nullable().Match(type) is { Success: true } nullable) return Expected(nullable.Groups["inner"].Value) + " (or null)";
        if (type.EndsWith("[]", StringComparison.Ordinal) || type.Contains("List`1", StringComparison.Ordinal)
            || type.Contains("Enumerable`1", StringComparison.Ordinal) || type.Contains("Collection`1", StringComparison.Ordinal))
            return "an array";
        if (type.Contains("Dictionary`2", StringComparison.Ordinal)) return "an object";
        switch (type)
        {
            case "System.String": return "a string";
            case "System.Boolean": return "true or false";
            case "System.Int32" or "System.Int64" or "System.Int16" or "System.UInt32" or "System.UInt64" or "System.UInt16" or "System.Byte":
                return "a whole number";
            case "System.Double" or "System.Single" or "System.Decimal": return "a number";
            case "System.DateTimeOffset" or "System.DateTime": return "a date and time (ISO 8601)";
            case "System.TimeSpan": return "a duration (hh:mm:ss)";
        }
        // One of our enums (written in kebab case by JobSpec and the API): name its values.
        var named = typeof(JsonErrorText).Assembly.GetTypes().FirstOrDefault(t => t.IsEnum && (t.FullName == type || t.Name == type));
        if (named is not null)
            return "one of " + string.Join(", ", Enum.GetNames(named).Select(JsonNamingPolicy.KebabCaseLower.ConvertName));
        return "a value of another kind";
    }

    [GeneratedRegex(@"^The JSON value could not be converted to (?<type>\S+?)\.?$")]
    private static partial Regex ConvertedTo();

    [GeneratedRegex(@"^JSON deserialization for type '[^']*' was missing required properties including: (?<names>.*?)\.?$")]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"^The JSON property '(?<name>[^']*)' could not be mapped to any \.NET member")]
    private static partial Regex NotMapped();

    [GeneratedRegex(@"^System\.Nullable`1\[(?<inner>.+)\]$")]
    private static partial Regex Nullable();
}
