using System.CommandLine;
using Clustering.Coordination;
using Clustering.Hosting;
using Clustering.Pipeline;
using Microsoft.Extensions.Logging;

namespace Clustering.Cli.Commands;

/// <summary>
/// `embedctl run`: embeds a whole corpus on this machine (the embedded default: a SQLite store in the output's
/// `_state/`, in-process workers and coordinator). Run again with the same arguments, it resumes.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var options = new JobOptions();
        var workers = new Option<int>("--workers") { Description = "Workers on this machine (CPU: each gets threads / workers).", DefaultValueFactory = _ => 1 };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress, only the summary and errors." };
        var command = new Command("run", """
            Embed a corpus into Parquet vector files on this machine.
            Writes OUTPUT/part-*.parquet, OUTPUT/_manifest.json, OUTPUT/_SUCCESS and OUTPUT/_errors/*.jsonl (bad input lines
            with file, line and reason). Interrupted (Ctrl-C, kill), the same command resumes where it stopped.
            Exit code: 0 when the job succeeded, 1 when it failed, 2 for bad arguments, 130 when interrupted.
            """);
        options.AddTo(command);
        command.Options.Add(workers);
        command.Options.Add(quiet);
        command.SetAction(async (result, cancellationToken) =>
        {
            JobSpec spec;
            try
            {
                spec = options.ToSpec(result);
            }
            catch (ClusteringException e)
            {
                Console.Error.WriteLine($"embedctl run: {e.Message}");
                return 2;
            }
            using var logs = CliLogging.Create(result.GetValue(quiet));
            var progress = new JobProgress();
            using var display = ProgressDisplay.Start(progress, result.GetValue(quiet));
            try
            {
                var outcome = await new EmbeddedRunner(logs).RunAsync(spec, result.GetValue(workers), progress, cancellationToken);
                display.Stop();
                var m = outcome.Manifest;
                Console.Error.WriteLine($"job {outcome.JobId}: {outcome.State.ToText()}: {m.Documents} documents, {m.Errors} bad lines, {m.Tokens} tokens, " +
                    $"{m.Files.Count} files in {spec.Output} ({progress.Snapshot().Elapsed.TotalSeconds:F1} s)");
                foreach (var failed in outcome.FailedShards)
                    Console.Error.WriteLine($"  shard {failed.Index} failed after {failed.Attempt} attempts: {failed.LastError}");
                if (m.Errors > 0) Console.Error.WriteLine($"  bad lines are listed in {Path.Combine(spec.Output, OutputLayout.ErrorsFolder)}");
                return outcome.State == JobState.Succeeded ? 0 : 1;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                display.Stop();
                Console.Error.WriteLine("embedctl run: interrupted; run the same command again to resume");
                return 130;
            }
            catch (ClusteringException e)
            {
                display.Stop();
                Console.Error.WriteLine($"embedctl run: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
