using System.CommandLine;
using Clustering.Client;

namespace Clustering.Cli.Commands;

/// <summary>`embedctl status JOB`: the job's state, counts and each failing shard with its error.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var cluster = new ClusterOptions();
        var jobId = new Argument<string>("job") { Description = "The job id submit printed." };
        var command = new Command("status", "Show a job's state, shard and document counts, and the errors of failing shards.");
        command.Arguments.Add(jobId);
        cluster.AddTo(command);
        command.SetAction((result, ct) => ClusterOptions.RunAsync("status", async ct =>
        {
            using var client = cluster.CreateClient(result);
            var job = await client.GetJobAsync(result.GetValue(jobId)!, ct);
            Print(job, Console.Out);
            return 0;
        }, ct));
        return command;
    }

    public static void Print(JobView job, TextWriter to)
    {
        var c = job.Counters;
        to.WriteLine($"job {job.Id}: {job.State}");
        if (job.Error is not null) to.WriteLine($"  error:     {job.Error}");
        to.WriteLine($"  shards:    {c.Shards} total, {c.Done} done, {c.Leased} running, {c.Pending} pending, {c.Failed} failed (allowed: {job.AllowedFailedShards})");
        to.WriteLine($"  documents: {c.Rows} embedded, {c.Errors} bad lines, {c.Tokens} tokens, {ClusterOptions.Bytes(c.Bytes)} written");
        to.WriteLine($"  model:     {job.Model}");
        to.WriteLine($"  output:    {job.Output}");
        to.WriteLine($"  created:   {job.CreatedAt:u}, updated {job.UpdatedAt:u}");
        if (job.State == JobStates.Succeeded && c.Failed > 0)
            to.WriteLine($"  partial:   {c.Failed} shard(s) failed within the allowed {job.AllowedFailedShards}; their documents are missing from the output");
        foreach (var e in job.ShardErrors)
            to.WriteLine(e.State == "failed"
                ? $"  shard {e.Shard} failed after {e.Failures} attempt(s): {e.Error}"
                : $"  shard {e.Shard} retrying after {e.Failures} failure(s): {e.Error}");
    }
}
