using System.CommandLine;
using System.Globalization;
using Clustering.Client;

namespace Clustering.Cli.Commands;

/// <summary>`embedctl stream create|list|show|pause|resume|delete`: embed what arrives on a queue or an Event Hub, continuously.</summary>
internal static class StreamCommand
{
    public static Command Create()
    {
        var command = new Command("stream", """
            Embed documents as they arrive on an Azure Storage queue or an Event Hub (cluster mode). Events are JSON
            documents as `run` reads them ({"id", "text", kept fields}; {"id", "deleted": true} deletes), one per line
            of a queue message. They are written in windows: OUTPUT/window=<start>/part-NNNNNNNN.parquet with a
            `deleted` column (tombstones have zero vectors) and _manifest.json, bad events in the window's _errors/
            with their queue message or partition and offset; OUTPUT/_latest.json names the newest window. Each event
            is in exactly one committed window, also across silo crashes. The silos must have been started with the
            source in --stream-sources.
            """);
        command.Subcommands.Add(CreateCommand());
        command.Subcommands.Add(ListCommand());
        command.Subcommands.Add(NamedCommand("show", "Show a stream job: state, committed windows and events, lag (events and seconds behind), throughput, last error.",
            (client, name, ct) => client.GetStreamAsync(name, ct)));
        command.Subcommands.Add(NamedCommand("pause", "Stop committing windows; events keep being received (durably) and wait for resume.",
            (client, name, ct) => client.PauseStreamAsync(name, ct)));
        command.Subcommands.Add(NamedCommand("resume", "Commit windows again, starting with what arrived while paused.",
            (client, name, ct) => client.ResumeStreamAsync(name, ct)));
        command.Subcommands.Add(DeleteCommand());
        return command;
    }

    private static Command CreateCommand()
    {
        var job = new JobOptions(withInputs: false);
        var cluster = new ClusterOptions();
        var name = new Argument<string>("NAME") { Description = "The stream job's name: 1 to 64 of A-Z a-z 0-9 . _ -" };
        var source = new Option<string>("--source")
        {
            Description = "Where events arrive: azqueue://ACCOUNT/QUEUE or eventhub://NAMESPACE/HUB[/CONSUMER_GROUP] (one job per source).",
            Required = true,
        };
        var windowDocs = new Option<int?>("--window-docs") { Description = "Close a window once it holds N events. [default: 10000]" };
        var windowSeconds = new Option<double?>("--window-seconds") { Description = "Close a window once its first event is S seconds old. [default: 30]" };
        var command = new Command("create", "Create a stream job: --source, --model, --output and the embedding options of `run`.") { name };
        command.Options.Add(source);
        command.Options.Add(windowDocs);
        command.Options.Add(windowSeconds);
        job.AddTo(command);
        cluster.AddTo(command);
        command.SetAction((result, ct) => ClusterOptions.RunAsync("stream create", async ct =>
        {
            var spec = SubmitCommand.Absolute(job.ToStreamSpec(result, result.GetValue(source)!));
            using var client = cluster.CreateClient(result);
            var created = await client.CreateStreamAsync(result.GetValue(name)!, result.GetValue(source)!, spec, result.GetValue(windowDocs),
                result.GetValue(windowSeconds), ct);
            Console.Out.WriteLine($"stream job {created.Name}: {created.State}, reading {created.Source}, windows of {created.WindowDocs} events or " +
                $"{created.WindowSeconds.ToString(CultureInfo.InvariantCulture)} s into {created.Output}");
            return 0;
        }, ct));
        return command;
    }

    private static Command ListCommand()
    {
        var cluster = new ClusterOptions();
        var command = new Command("list", "List the cluster's stream jobs.");
        cluster.AddTo(command);
        command.SetAction((result, ct) => ClusterOptions.RunAsync("stream list", async ct =>
        {
            using var client = cluster.CreateClient(result);
            Console.Out.WriteLine($"{"STREAM",-20} {"STATE",-18} {"WINDOWS",8} {"EVENTS",10} {"LAG",16} {"EVENTS/S",9} SOURCE");
            foreach (var s in await client.ListStreamsAsync(ct))
                Console.Out.WriteLine($"{s.Name,-20} {s.State,-18} {s.CommittedWindows,8} {s.CommittedEvents,10} {Lag(s),16} {s.EventsPerSecond,9:F1} {s.Source}");
            return 0;
        }, ct));
        return command;
    }

    private static Command NamedCommand(string verb, string description, Func<ClusterClient, string, CancellationToken, Task<StreamView>> call)
    {
        var cluster = new ClusterOptions();
        var name = new Argument<string>("NAME");
        var command = new Command(verb, description) { name };
        cluster.AddTo(command);
        command.SetAction((result, ct) => ClusterOptions.RunAsync("stream " + verb, async ct =>
        {
            using var client = cluster.CreateClient(result);
            Print(await call(client, result.GetValue(name)!, ct));
            return 0;
        }, ct));
        return command;
    }

    private static Command DeleteCommand()
    {
        var cluster = new ClusterOptions();
        var name = new Argument<string>("NAME");
        var command = new Command("delete", "Delete a stream job and its journal of received events; committed windows stay in its output.") { name };
        cluster.AddTo(command);
        command.SetAction((result, ct) => ClusterOptions.RunAsync("stream delete", async ct =>
        {
            using var client = cluster.CreateClient(result);
            var deleted = await client.DeleteStreamAsync(result.GetValue(name)!, ct);
            Console.Out.WriteLine($"stream job {deleted.Name} deleted; its windows stay in its output");
            return 0;
        }, ct));
        return command;
    }

    private static string Lag(StreamView s) => $"{s.LagEvents} ev / {s.LagSeconds:F1} s";

    private static void Print(StreamView s)
    {
        Console.Out.WriteLine($"stream:     {s.Name} ({s.State}){(s.Silo is null ? "" : $" on {s.Silo}")}");
        Console.Out.WriteLine($"source:     {s.Source}");
        Console.Out.WriteLine($"output:     {s.Output}");
        Console.Out.WriteLine($"windows:    {s.CommittedWindows} committed (each closes at {s.WindowDocs} events or {s.WindowSeconds.ToString(CultureInfo.InvariantCulture)} s){(s.LatestWindow is null ? "" : $", latest window={s.LatestWindow}")}");
        Console.Out.WriteLine($"events:     {s.CommittedEvents} committed, {s.CommittedErrors} bad (in _errors/), {s.Redelivered} redeliveries dropped");
        Console.Out.WriteLine($"lag:        {s.LagEvents} events, {s.LagSeconds:F1} s behind");
        Console.Out.WriteLine($"throughput: {s.EventsPerSecond:F1} events/s over the last minute");
        Console.Out.WriteLine($"last error: {s.LastError ?? "-"}");
    }
}
