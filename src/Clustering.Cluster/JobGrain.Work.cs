using Clustering.Coordination;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Clustering.Cluster;

/// <summary>
/// The job grain's end of the work stream (<see cref="WorkStream"/>): it publishes its planned shards as work items,
/// receives them through an implicit subscription (the stream's key is the job id), drops redeliveries by (job,
/// shard), and offers only shards whose item arrived. The shard rows stay the truth: whatever is pending and has not
/// arrived is published again when an activation starts and every <see cref="ClusterServices.WorkRedelivery"/> after,
/// so a lost item (its silo died, the queue was down) delays a shard but never strands the job.
/// </summary>
[ImplicitStreamSubscription(WorkStream.Namespace)]
internal sealed partial class JobGrain : IStreamSubscriptionObserver, IAsyncObserver<ShardWork>
{
    // After a publication that failed (the queue is down), the next try comes this soon.
    private static readonly TimeSpan WorkRetry = TimeSpan.FromSeconds(5);

    // When the owner check next publishes the pending shards whose items have not arrived (never: none are missing).
    private DateTimeOffset _redeliverAt = DateTimeOffset.MaxValue;
    private Task? _publishingWork;
    private int _workPublications;
    private int _workPublishFailures;
    private DateTimeOffset _lastResync;

    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        handleFactory.Create<ShardWork>().ResumeAsync(this);

    public async Task OnNextAsync(ShardWork item, StreamSequenceToken? token = null)
    {
        if (!string.Equals(item.JobId, Id, StringComparison.Ordinal)) return;
        var fresh = 0;
        foreach (var index in item.Shards)
            if (_view.Deliver(index)) fresh++;
        // Workers that found nothing to take are idle until woken: tell them work arrived.
        if (fresh > 0 && _state == JobState.Running) await Directory.WakeWorkers();
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;

    public Task<WorkDeliveries> Deliveries() =>
        Task.FromResult(new WorkDeliveries(_view.Deliveries.Received, _view.Deliveries.Duplicates, _view.Undelivered().Count, _workPublications));

    /// <summary>Starts publishing the pending shards whose items have not arrived, unless a publication is under way.</summary>
    private void PublishUndelivered()
    {
        if (_publishingWork is not null || _state != JobState.Running) return;
        _publishingWork = PublishUndeliveredAsync();
    }

    private async Task PublishUndeliveredAsync()
    {
        try
        {
            var undelivered = _view.Undelivered();
            _redeliverAt = DateTimeOffset.MaxValue;
            if (undelivered.Count == 0) return;
            var publisher = ServiceProvider.GetRequiredService<IShardWorkPublisher>();
            foreach (var item in WorkStream.Items(Id, undelivered)) await publisher.PublishAsync(item);
            _workPublications++;
            _redeliverAt = DateTimeOffset.UtcNow + services.WorkRedelivery;
            if (_workPublishFailures > 0) log.LogInformation("job {Job}: the work stream took its {Count} undelivered shard(s) again", Id, undelivered.Count);
            _workPublishFailures = 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The queue is down (or unreachable): offers of the undelivered shards wait; the job goes on when it returns.
            _redeliverAt = DateTimeOffset.UtcNow + (services.WorkRedelivery < WorkRetry ? services.WorkRedelivery : WorkRetry);
            if (_workPublishFailures++ == 0)
                log.LogWarning("job {Job}: the work stream cannot take its shards now (trying again every {Retry} s): {Message}",
                    Id, WorkRetry.TotalSeconds, e.GetBaseException().Message);
        }
        finally
        {
            _publishingWork = null;
        }
    }

    /// <summary>
    /// The store refused a lease the view thought possible: another activation changed the job or its shards. Read
    /// them again (at most once a second, so a storm of offers costs one query).
    /// </summary>
    private async Task ResyncAsync()
    {
        var now = DateTimeOffset.UtcNow;
        if (now - _lastResync < TimeSpan.FromSeconds(1)) return;
        _lastResync = now;
        var job = await Store.GetJobAsync(Id);
        if (job is not { State: JobState.Running })
        {
            FollowStore(job);
            return;
        }
        _view.Load(await Store.ListShardsAsync(Id));
        PublishUndelivered();
    }

    /// <summary>The store's own test of a worker against a job (device kind, memory), so that an offer it would refuse is not tried.</summary>
    private static bool CanServe(JobRecord job, WorkerInfo worker) =>
        (job.RequiredDeviceKind is null || job.RequiredDeviceKind == worker.DeviceKind.ToLowerInvariant()) &&
        (job.MinGpuMemoryBytes is null || job.MinGpuMemoryBytes <= worker.GpuMemoryBytes);
}
