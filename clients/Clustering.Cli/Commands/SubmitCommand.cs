using System.CommandLine;
using Clustering.Storage;

namespace Clustering.Cli.Commands;

/// <summary>`embedctl submit`: sends a job (the options of `run`) to a cluster and prints its id as the last line of stdout.</summary>
internal static class SubmitCommand
{
    public static Command Create()
    {
        var job = new JobOptions();
        var cluster = new ClusterOptions();
        var command = new Command("submit", """
            Submit a job to a cluster (any silo) and print its id as the last line of stdout.
            Takes the options of `run`. Paths are resolved on the silos: local paths are made absolute here, so they
            must name the same files on the silos (a shared filesystem) — or use blob URIs.
            Follow it with: embedctl watch JOB.
            """);
        job.AddTo(command);
        cluster.AddTo(command);
        command.SetAction((result, ct) => ClusterOptions.RunAsync("submit", async ct =>
        {
            var spec = Absolute(job.ToSpec(result));
            using var client = cluster.CreateClient(result);
            var submitted = await client.SubmitAsync(spec, ct);
            Console.Error.WriteLine($"submitted to {client.BaseAddress}: follow it with `embedctl watch {submitted.Id}`");
            Console.Out.WriteLine(submitted.Id);
            return 0;
        }, ct));
        return command;
    }

    /// <summary>Local inputs, model and output as absolute paths (what the silos resolve); URIs stay as given.</summary>
    internal static JobSpec Absolute(JobSpec spec) => spec with
    {
        Inputs = spec.Inputs.Select(LocationResolver.Absolute).ToArray(),
        Model = LocationResolver.Absolute(spec.Model),
        Output = LocationResolver.Absolute(spec.Output),
    };
}
