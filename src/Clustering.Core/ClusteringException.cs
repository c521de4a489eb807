namespace Clustering;

/// <summary>
/// An error the user can act on: the message names the input (file, tensor, field) and the position.
/// Entry points print its message without a stack trace; anything else is a bug and keeps its trace.
/// </summary>
public class ClusteringException : Exception
{
    public ClusteringException(string message) : base(message) { }
    public ClusteringException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Input that cannot be read as what it claims to be: a bad line, a bad file, a bad field.</summary>
public sealed class InputFormatException : ClusteringException
{
    /// <summary>The file, URI or stream name the bad input came from.</summary>
    public string Input { get; }

    /// <summary>Where in <see cref="Input"/>: a 1-based line, a byte offset, a tensor name; null when the whole input is bad.</summary>
    public string? Position { get; }

    public InputFormatException(string source, string? position, string reason)
        : base(position is null ? $"{source}: {reason}" : $"{source} ({position}): {reason}")
    {
        Input = source;
        Position = position;
        Reason = reason;
    }

    /// <summary>The reason alone, without the source and position prefix.</summary>
    public string Reason { get; }
}
