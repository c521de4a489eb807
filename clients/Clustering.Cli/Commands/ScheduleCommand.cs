using System.CommandLine;
using Clustering.Client;

namespace Clustering.Cli.Commands;

/// <summary>`embedctl schedule create|list|show|delete`: jobs a cluster runs again on a schedule.</summary>
internal static class ScheduleCommand
{
    public static Command Create()
    {
        var command = new Command("schedule", """
            Re-embed a corpus on a schedule (cluster mode). The schedule's grain, woken by an Orleans reminder, starts the
            job at each occurrence (UTC; at most once a minute);
            each run writes to a subfolder of --output named by the occurrence (e.g. 20261122T060000Z), and
            OUTPUT/_latest.json names the newest run that succeeded. By default an occurrence is skipped when the
            inputs (names, sizes, ETags, modification times) are as the last successful run found them, and while
            the previous run is still going.
            """);
        command.Subcommands.Add(CreateCommand());
        command.Subcommands.Add(ListCommand());
        command.Subcommands.Add(ShowCommand());
        command.Subcommands.Add(DeleteCommand());
        return command;
    }

    private static Command CreateCommand()
    {
        var job = new JobOptions();
        var cluster = new ClusterOptions();
        var id = new Argument<string>("ID") { Description = "The schedule's name: 1 to 63 of a-z 0-9 . _ -" };
        var rule = new Option<string>("--rule")
        {
            Description = "When, in UTC: '@every 6h' (s, m, h, d), '@hourly', '@daily', '@weekly', '@monthly', or a cron line 'MIN HOUR DOM MON DOW' such as '0 3 * * *'. " +
                "At most once a minute: schedules are Orleans reminders, so '@every 30s' is refused (the silo's --schedule-minimum-seconds, default 60).",
            Required = true,
        };
        var always = new Option<bool>("--always") { Description = "Run at every occurrence, even when the inputs have not changed." };
        var keep = new Option<int>("--keep") { Description = "Keep the newest N successful runs; older run folders are deleted after a newer run succeeds (default 0: keep all)." };
        var command = new Command("create", "Create a schedule: the options of `run`, plus --rule. Prints when it first runs.") { id };
        command.Options.Add(rule);
        command.Options.Add(always);
        command.Options.Add(keep);
        job.AddTo(command);
        cluster.AddTo(command);
        command.SetAction((result, ct) => ClusterOptions.RunAsync("schedule create", async ct =>
        {
            var spec = SubmitCommand.Absolute(job.ToSpec(result));
            using var client = cluster.CreateClient(result);
            var created = await client.CreateScheduleAsync(result.GetValue(id)!, result.GetValue(rule)!, spec, !result.GetValue(always), result.GetValue(keep), ct);
            Console.Out.WriteLine($"schedule {created.Id}: '{created.Rule}', first run at {created.NextRunAt:u}; runs go to {created.Output}");
            return 0;
        }, ct));
        return command;
    }

    private static Command ListCommand()
    {
        var cluster = new ClusterOptions();
        var command = new Command("list", "List the cluster's schedules.");
        cluster.AddTo(command);
        command.SetAction((result, ct) => ClusterOptions.RunAsync("schedule list", async ct =>
        {
            using var client = cluster.CreateClient(result);
            Console.Out.WriteLine($"{"SCHEDULE",-24} {"RULE",-18} {"NEXT RUN",-21} {"LAST JOB",-40} OUTPUT");
            foreach (var s in await client.ListSchedulesAsync(ct))
                Console.Out.WriteLine($"{s.Id,-24} {s.Rule,-18} {(s.Enabled ? s.NextRunAt.ToString("u") : "disabled"),-21} {s.LastJobId ?? "-",-40} {s.Output}");
            return 0;
        }, ct));
        return command;
    }

    private static Command ShowCommand()
    {
        var cluster = new ClusterOptions();
        var id = new Argument<string>("ID");
        var command = new Command("show", "Show one schedule.") { id };
        cluster.AddTo(command);
        command.SetAction((result, ct) => ClusterOptions.RunAsync("schedule show", async ct =>
        {
            using var client = cluster.CreateClient(result);
            Print(await client.GetScheduleAsync(result.GetValue(id)!, ct));
            return 0;
        }, ct));
        return command;
    }

    private static Command DeleteCommand()
    {
        var cluster = new ClusterOptions();
        var id = new Argument<string>("ID");
        var command = new Command("delete", "Delete a schedule; a run it started goes on (cancel it with `embedctl cancel`).") { id };
        cluster.AddTo(command);
        command.SetAction((result, ct) => ClusterOptions.RunAsync("schedule delete", async ct =>
        {
            using var client = cluster.CreateClient(result);
            var deleted = await client.DeleteScheduleAsync(result.GetValue(id)!, ct);
            Console.Out.WriteLine($"schedule {deleted.Id} deleted");
            return 0;
        }, ct));
        return command;
    }

    private static void Print(ScheduleView s)
    {
        Console.Out.WriteLine($"schedule:  {s.Id} ({(s.Enabled ? "enabled" : "disabled")})");
        Console.Out.WriteLine($"rule:      {s.Rule} (UTC){(s.SkipUnchanged ? ", skipped while the inputs are unchanged" : "")}");
        Console.Out.WriteLine($"next run:  {s.NextRunAt:u}");
        Console.Out.WriteLine($"last run:  {(s.LastRunAt is { } at ? at.ToString("u") : "-")}{(s.LastJobId is { } j ? $", job {j}" : "")}");
        Console.Out.WriteLine($"keeps:     {(s.Keep == 0 ? "every run" : $"the newest {s.Keep} successful run(s)")}");
        Console.Out.WriteLine($"model:     {s.Model}");
        Console.Out.WriteLine($"output:    {s.Output}");
    }
}
