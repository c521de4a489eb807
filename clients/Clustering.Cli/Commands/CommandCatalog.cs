using System.CommandLine;

namespace Clustering.Cli.Commands;

/// <summary>Every embedctl subcommand, in the order --help lists them. Each one is built in its own file.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return EncodeCommand.Create();
        yield return TokenizeCommand.Build();
        yield return RunCommand.Create();
        yield return VerifyCommand.Create();
        yield return ServeCommand.Create();
        yield return SubmitCommand.Create();
        yield return StatusCommand.Create();
        yield return WatchCommand.Create();
        yield return ListCommand.Create();
        yield return CancelCommand.Create();
        yield return ScheduleCommand.Create();
        yield return StreamCommand.Create();
        yield return WorkersCommand.Create();
    }
}
