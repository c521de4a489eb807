using System.CommandLine;

namespace Clustering.Cli.Commands;

/// <summary>`embedctl cancel JOB`: stops a job; workers holding its shards lose their leases and stop.</summary>
internal static class CancelCommand
{
    public static Command Create()
    {
        var cluster = new ClusterOptions();
        var jobId = new Argument<string>("job") { Description = "The job to cancel." };
        var command = new Command("cancel", "Cancel a job that has not ended. Exit code 1 when it had already ended.");
        command.Arguments.Add(jobId);
        cluster.AddTo(command);
        command.SetAction((result, ct) => ClusterOptions.RunAsync("cancel", async ct =>
        {
            using var client = cluster.CreateClient(result);
            var job = await client.CancelJobAsync(result.GetValue(jobId)!, ct);
            Console.Out.WriteLine($"job {job.Id}: {job.State}");
            return 0;
        }, ct));
        return command;
    }
}
