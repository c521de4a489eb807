using System.CommandLine;
using Clustering.Client;
using Spectre.Console;

namespace Clustering.Cli.Commands;

/// <summary>
/// `embedctl watch JOB`: follows a job until it ends — a live bar on an interactive terminal, otherwise one line per
/// job event and per change of the counters — then prints the status. Exit code 0 only when the job succeeded.
/// </summary>
internal static class WatchCommand
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        var cluster = new ClusterOptions();
        var jobId = new Argument<string>("job") { Description = "The job id submit printed." };
        var command = new Command("watch", """
            Follow a job until it ends, with a live progress bar (plain lines when not on a terminal).
            Exit code: 0 when the job succeeded, 1 when it failed or was cancelled, 130 when interrupted.
            """);
        command.Arguments.Add(jobId);
        cluster.AddTo(command);
        command.SetAction((result, ct) => ClusterOptions.RunAsync("watch", async ct =>
        {
            using var client = cluster.CreateClient(result);
            var id = result.GetValue(jobId)!;
            var interactive = !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            var job = interactive ? await BarAsync(client, id, ct) : await LinesAsync(client, id, ct);
            // A job that failed at planning has no shards and nothing to publish.
            var publishes = job.State is JobStates.Succeeded || (job.State is JobStates.Failed && job.Counters.Shards > 0);
            if (publishes && !await PublishedAsync(client, id, ct))
            {
                Console.Error.WriteLine($"embedctl watch: job {id} {job.State}, but its manifest was not published within {PublishWait.TotalSeconds:0} s (is a coordinator running?)");
                StatusCommand.Print(job, Console.Out);
                return 1;
            }
            StatusCommand.Print(job, Console.Out);
            return job.State == JobStates.Succeeded ? 0 : 1;
        }, ct));
        return command;
    }

    private static readonly TimeSpan PublishWait = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A succeeded job is published before the store says so, but its "published" event follows the state, and a
    /// failed job is published after it ends; readers trust those files, so watch returns only once they exist.
    /// </summary>
    private static async Task<bool> PublishedAsync(ClusterClient client, string id, CancellationToken ct)
    {
        var until = DateTime.UtcNow + PublishWait;
        while (DateTime.UtcNow < until)
        {
            await foreach (var e in client.StreamEventsAsync(id, 0, ct))
                if (e.Kind == "published") return true;
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
        return false;
    }

    private static async Task<JobView> BarAsync(ClusterClient client, string id, CancellationToken ct)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        JobView job = await client.GetJobAsync(id, ct);
        await console.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask(Describe(job), maxValue: Math.Max(1, job.Counters.Shards));
                while (true)
                {
                    bar.MaxValue = Math.Max(1, job.Counters.Shards);
                    bar.Value = job.Counters.Done + job.Counters.Failed;
                    bar.Description = Markup.Escape(Describe(job));
                    if (JobStates.IsFinal(job.State)) break;
                    await Task.Delay(Poll, ct);
                    job = await client.GetJobAsync(id, ct);
                }
                if (job.State == JobStates.Succeeded) bar.Value = bar.MaxValue;
                bar.StopTask();
            });
        return job;
    }

    /// <summary>Events as they come (the stream resumes by itself after a dropped connection) and a line per counters change.</summary>
    private static async Task<JobView> LinesAsync(ClusterClient client, string id, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var events = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in client.StreamEventsAsync(id, 0, stop.Token))
                    Console.Out.WriteLine($"{e.At:HH:mm:ss} {e.Kind}: {e.Message}");
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
            catch (ClusterApiException e) { Console.Error.WriteLine($"embedctl watch: events: {e.Message}"); }
        }, CancellationToken.None);

        var job = await client.GetJobAsync(id, ct);
        string? last = null;
        while (true)
        {
            var line = Describe(job);
            if (line != last) Console.Out.WriteLine($"{DateTimeOffset.Now:HH:mm:ss} {line}");
            last = line;
            if (JobStates.IsFinal(job.State)) break;
            await Task.Delay(Poll, ct);
            job = await client.GetJobAsync(id, ct);
        }
        // Let the stream deliver the final events (it ends by itself once the silo sees the job ended).
        if (await Task.WhenAny(events, Task.Delay(TimeSpan.FromSeconds(5), ct)) != events) await stop.CancelAsync();
        await events;
        return job;
    }

    private static string Describe(JobView job)
    {
        var c = job.Counters;
        return $"{job.Id} {job.State}: shards {c.Done}/{c.Shards} done, {c.Leased} running, {c.Failed} failed; {c.Rows} documents, {c.Tokens} tokens";
    }
}
