using Clustering.Jobs;
using Clustering.Pipeline;
using Spectre.Console;

namespace Clustering.Cli.Commands;

/// <summary>
/// Shows a <see cref="JobProgress"/>: a live bar (documents, tokens/s, ETA) on an interactive terminal, a plain line
/// every 10 seconds otherwise (logs, CI). Reads counters only; never slows the workers.
/// </summary>
internal sealed class ProgressDisplay : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _task;

    private ProgressDisplay(JobProgress progress, bool quiet)
    {
        var interactive = !quiet && !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        _task = quiet ? Task.CompletedTask : interactive ? Task.Run(() => BarAsync(progress)) : Task.Run(() => LinesAsync(progress));
    }

    public static ProgressDisplay Start(JobProgress progress, bool quiet) => new(progress, quiet);

    public void Stop()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        try
        {
            _task.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task BarAsync(JobProgress progress)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress().AutoClear(true).HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("planning", maxValue: 1);
                while (!_stop.IsCancellationRequested)
                {
                    var s = progress.Snapshot();
                    task.MaxValue = Math.Max(1, s.DocumentsTotal);
                    task.Value = Math.Min(s.Documents, task.MaxValue);
                    task.Description = Describe(s);
                    try
                    {
                        await Task.Delay(250, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            });
    }

    private async Task LinesAsync(JobProgress progress)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(10), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Console.Error.WriteLine(Describe(progress.Snapshot()));
        }
    }

    private static string Describe(ProgressSnapshot s) =>
        $"{s.Documents:N0}/{s.DocumentsTotal:N0} docs, shards {s.ShardsDone}/{s.ShardsTotal}" +
        (s.Errors > 0 ? $", {s.Errors:N0} bad" : "") + (s.Retries > 0 ? $", {s.Retries} retries" : "") +
        $", {s.TokensPerSecond:N0} tok/s" + (s.Eta is { } eta ? $", ETA {eta:hh\\:mm\\:ss}" : "");

    public void Dispose()
    {
        Stop();
        _stop.Dispose();
    }
}
