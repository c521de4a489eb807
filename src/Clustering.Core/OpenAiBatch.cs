namespace Clustering;

/// <summary>The name of OpenAI's batch file format in <c>--input-format</c> and <c>--output-format</c>.</summary>
public static class OpenAiBatch
{
    public const string Format = "openai-batch";

    /// <summary>Null (the default) or the one other format; anything else is refused naming the option.</summary>
    public static string? Check(string option, string? value) => value switch
    {
        null or "" or "default" => null,
        Format => Format,
        _ => throw new ClusteringException($"{option}: '{value}' is not a format; give {Format} (or leave it out for the default)"),
    };
}
