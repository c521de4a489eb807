using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Clustering.Cli.Commands;

/// <summary>Log lines to stderr, one per event, warnings and up when quiet.</summary>
internal static class CliLogging
{
    public static ILoggerFactory Create(bool quiet) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(quiet ? LogLevel.Warning : LogLevel.Information)
        .AddConsole(o =>
        {
            o.FormatterName = OneLineFormatter.FormatterName;
            // Everything to stderr: stdout belongs to the command's results.
            o.LogToStandardErrorThreshold = LogLevel.Trace;
        })
        .AddConsoleFormatter<OneLineFormatter, ConsoleFormatterOptions>()
        // Per-shard chatter only when something goes wrong; the progress display shows the rest.
        .AddFilter("worker", LogLevel.Warning)
        .AddFilter("coordinator", LogLevel.Warning));

    /// <summary>
    /// "HH:mm:ss level category: message", and an exception as its chain of messages, never its stack: a command line
    /// user reads what went wrong, and the in-process silo's own warnings (Orleans logs exceptions whole) stay one line.
    /// </summary>
    private sealed class OneLineFormatter() : ConsoleFormatter(FormatterName)
    {
        public const string FormatterName = "embedctl";

        public override void Write<TState>(in LogEntry<TState> entry, IExternalScopeProvider? scopes, TextWriter writer)
        {
            var message = entry.Formatter(entry.State, entry.Exception);
            if (string.IsNullOrEmpty(message) && entry.Exception is null) return;
            writer.Write(DateTime.Now.ToString("HH:mm:ss "));
            writer.Write(Level(entry.LogLevel));
            writer.Write(": ");
            writer.Write(entry.Category);
            writer.Write(": ");
            writer.Write(OneLine(message));
            for (var e = entry.Exception; e is not null; e = e.InnerException)
            {
                writer.Write(" <- ");
                writer.Write(e is ClusteringException ? "" : e.GetType().Name + ": ");
                writer.Write(OneLine(e.Message));
            }
            writer.WriteLine();
        }

        // Orleans puts a stack trace inside some messages (a failed response carries the remote exception's text).
        private static string OneLine(string text)
        {
            var stack = text.IndexOf("\n   at ", StringComparison.Ordinal);
            if (stack < 0) stack = text.IndexOf("   at ", StringComparison.Ordinal);
            return (stack < 0 ? text : text[..stack]).ReplaceLineEndings(" ").TrimEnd();
        }

        private static string Level(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
    }
}
