using System.CommandLine;

namespace Clustering.Cli.Commands;

/// <summary>`embedctl list`: the cluster's jobs, newest first.</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var cluster = new ClusterOptions();
        var state = new Option<string?>("--state") { Description = "Only jobs in this state: pending, planning, running, succeeded, failed, cancelled." };
        var command = new Command("list", "List the cluster's jobs, newest first.");
        command.Options.Add(state);
        cluster.AddTo(command);
        command.SetAction((result, ct) => ClusterOptions.RunAsync("list", async ct =>
        {
            using var client = cluster.CreateClient(result);
            var jobs = await client.ListJobsAsync(result.GetValue(state), ct);
            Console.Out.WriteLine($"{"JOB",-40} {"STATE",-10} {"SHARDS",-12} {"FAILED",6} {"DOCUMENTS",12}  CREATED");
            foreach (var j in jobs)
                Console.Out.WriteLine($"{j.Id,-40} {j.State,-10} {$"{j.Counters.Done}/{j.Counters.Shards}",-12} {j.Counters.Failed,6} {j.Counters.Rows,12}  {j.CreatedAt:u}");
            return 0;
        }, ct));
        return command;
    }
}
