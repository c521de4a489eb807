using Microsoft.Extensions.Logging;

namespace Clustering.Cli.Commands;

/// <summary>Log lines to stderr, one per event, warnings and up when quiet.</summary>
internal static class CliLogging
{
    public static ILoggerFactory Create(bool quiet) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(quiet ? LogLevel.Warning : LogLevel.Information)
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        })
        // Everything to stderr: stdout belongs to the command's results.
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
        // Per-shard chatter only when something goes wrong; the progress display shows the rest.
        .AddFilter("worker", LogLevel.Warning)
        .AddFilter("coordinator", LogLevel.Warning));
}
