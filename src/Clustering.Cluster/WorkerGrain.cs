namespace Clustering.Cluster;

/// <summary>See <see cref="IWorkerGrain"/>: lives on the device's silo and hands messages to its device host.</summary>
[DevicePlacement]
internal sealed class WorkerGrain(DeviceHost host) : Grain, IWorkerGrain
{
    public Task Wake()
    {
        host.Wake(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public Task Abandon(string jobId)
    {
        host.Abandon(this.GetPrimaryKeyString(), jobId);
        return Task.CompletedTask;
    }

    public Task<ShardAttempt[]> Holds(string jobId) => Task.FromResult(host.Holds(this.GetPrimaryKeyString(), jobId));
}
