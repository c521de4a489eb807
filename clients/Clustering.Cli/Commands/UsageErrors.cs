using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Clustering.Cli.Commands;

/// <summary>
/// Parse errors as a user reads them: one line per error naming the option and the value in words
/// ("--dimensions: 'abc' is not a whole number", not a .NET type name), then where to find help, and exit code 2.
/// The whole help is not printed: it would push the error off the screen.
/// </summary>
internal static class UsageErrors
{
    public const int ExitCode = 2;

    public static int Report(ParseResult parse, TextWriter error)
    {
        var command = CommandPath(parse.CommandResult);
        var seen = new HashSet<string>();
        foreach (var e in parse.Errors)
        {
            var line = Describe(e);
            if (seen.Add(line)) error.WriteLine($"{command}: {line}");
        }
        error.WriteLine($"Try '{command} --help'.");
        return ExitCode;
    }

    private static string Describe(ParseError error)
    {
        var option = error.SymbolResult switch
        {
            OptionResult o => o,
            ArgumentResult { Parent: OptionResult o } => o,
            _ => null,
        };
        if (option is null) return error.Message;
        var type = Nullable.GetUnderlyingType(option.Option.ValueType) ?? option.Option.ValueType;
        if (type.IsArray) type = type.GetElementType()!;
        foreach (var token in option.Tokens)
            if (Refusal(type, token.Value) is { } reason)
                return $"{option.Option.Name}: '{token.Value}' {reason}";
        return error.Message;
    }

    /// <summary>Why <paramref name="value"/> is not a <paramref name="type"/>, in words; null when it is one.</summary>
    private static string? Refusal(Type type, string value)
    {
        if (type == typeof(int) || type == typeof(long))
            return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
                ? type == typeof(int) && n is > int.MaxValue or < int.MinValue ? "is too large" : null
                : "is not a whole number";
        if (type == typeof(double) || type == typeof(float))
            return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? null : "is not a number";
        if (type == typeof(bool))
            return bool.TryParse(value, out _) ? null : "is not true or false";
        if (type.IsEnum)
            return Enum.TryParse(type, value, ignoreCase: true, out _) && !int.TryParse(value, out _)
                ? null
                : $"is not one of {string.Join(", ", EnumNames(type))}";
        return null;
    }

    /// <summary>The names an enum option takes, as the help and README write them: lowercase.</summary>
    public static IEnumerable<string> EnumNames(Type type) => Enum.GetNames(type).Select(n => n.ToLowerInvariant());

    /// <summary>"embedctl schedule add" for the command that was parsed.</summary>
    public static string CommandPath(SymbolResult? result)
    {
        var names = new List<string>();
        for (var r = result; r is not null; r = r.Parent)
            if (r is CommandResult c) names.Add(c.Parent is null ? "embedctl" : c.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }
}
