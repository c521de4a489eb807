namespace Clustering;

/// <summary>
/// A whole input file cannot be used: unreadable, not the format its name says, a truncated compressed stream, a
/// dangling link, not a regular file. Unlike a bad line this is never written to <c>_errors/</c> and skipped
/// silently: the job fails naming the file, unless the user opted in to skipping bad files.
/// </summary>
public sealed class InputFileException(string input, string reason)
    : ClusteringException($"{input}: {reason}")
{
    /// <summary>The file or blob URI (secrets redacted) that cannot be used.</summary>
    public string Input { get; } = input;

    /// <summary>The reason alone, without the input prefix.</summary>
    public string Reason { get; } = reason;
}
