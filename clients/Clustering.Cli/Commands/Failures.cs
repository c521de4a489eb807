namespace Clustering.Cli.Commands;

/// <summary>
/// The last resort for an error no command caught: one line naming what failed, never a .NET stack trace, and the
/// documented exit code (130 interrupted, 1 failed). Set CLUSTERING_DEBUG=1 to see the trace when reporting a bug.
/// </summary>
internal static class Failures
{
    public static int Report(string command, Exception e, TextWriter error)
    {
        if (e is OperationCanceledException)
        {
            error.WriteLine($"{command}: interrupted");
            return 130;
        }
        var inner = e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerException! : e;
        error.WriteLine(inner is ClusteringException or IOException or UnauthorizedAccessException
            ? $"{command}: {inner.Message}"
            : $"{command}: {inner.Message} ({inner.GetType().Name}; this is a bug, please report it)");
        if (Environment.GetEnvironmentVariable("CLUSTERING_DEBUG") == "1") error.WriteLine(inner);
        return 1;
    }
}
