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
        .AddFilter("worker", quiet ? LogLevel.Warning : LogLevel.Warning)
        .AddFilter("coordinator", LogLevel.Warning));
}
