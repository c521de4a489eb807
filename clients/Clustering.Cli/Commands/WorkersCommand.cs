using System.CommandLine;

namespace Clustering.Cli.Commands;

/// <summary>`embedctl workers`: every registered worker, its device, models and counters.</summary>
internal static class WorkersCommand
{
    public static Command Create()
    {
        var cluster = new ClusterOptions();
        var command = new Command("workers", "List the cluster's workers: silo, device, models loaded, heartbeat, documents and tokens.");
        cluster.AddTo(command);
        command.SetAction((result, ct) => ClusterOptions.RunAsync("workers", async ct =>
        {
            using var client = cluster.CreateClient(result);
            var workers = await client.ListWorkersAsync(ct);
            var now = DateTimeOffset.UtcNow;
            Console.Out.WriteLine($"{"WORKER",-30} {"SILO",-20} {"DEVICE",-24} {"HEARTBEAT",10} {"DOCUMENTS",12} {"TOKENS",14}  MODELS");
            foreach (var w in workers)
            {
                var device = w.GpuName is null ? w.DeviceKind : $"{w.DeviceKind} {w.GpuName} {ClusterOptions.Bytes(w.GpuMemoryBytes)}";
                var age = $"{Math.Max(0, (now - w.LastHeartbeat).TotalSeconds):F0} s ago";
                Console.Out.WriteLine($"{w.Id,-30} {w.Silo,-20} {device,-24} {age,10} {w.Documents,12} {w.Tokens,14}  {string.Join(',', w.ModelsLoaded)}");
            }
            if (workers.Count == 0) Console.Error.WriteLine("no workers registered: start embed-silo on a host");
            return 0;
        }, ct));
        return command;
    }
}
