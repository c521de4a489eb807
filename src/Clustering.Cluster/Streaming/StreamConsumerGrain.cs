using Orleans.Streams;
using Orleans.Streams.Core;

namespace Clustering.Cluster.Streaming;

/// <summary>
/// Subscribed implicitly to every document stream (key: the source's URI): hands each delivered batch to the stream
/// job that consumes the source and returns only when the job has journaled it, so Orleans acknowledges the source's
/// messages only once they are durable. While the job's windows in flight leave no room for a full one this call
/// waits, the pulling agent stops reading, and the source falls behind: backpressure without a buffer in memory.
/// </summary>
[ImplicitStreamSubscription(StreamSource.Namespace)]
internal sealed class StreamConsumerGrain(StreamCatalog catalog) : Grain, IGrainWithStringKey, IStreamConsumerGrain, IStreamSubscriptionObserver,
    IAsyncBatchObserver<SourcedEvent>
{
    private string? _job;

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<SourcedEvent>().ResumeAsync(this, null);

    public async Task OnNextAsync(IList<SequentialItem<SourcedEvent>> items)
    {
        if (items.Count == 0) return;
        _job ??= await catalog.JobOfSourceAsync(this.GetPrimaryKeyString())
            ?? throw new StreamJobException($"source {this.GetPrimaryKeyString()}: no stream job consumes it (create one with embedctl stream create)");
        var batch = new StreamEventBatch([.. items.Select(i => i.Item.Text)], [.. items.Select(i => i.Item.Position)], DateTimeOffset.UtcNow);
        try
        {
            await GrainFactory.GetGrain<IStreamJobGrain>(_job).Deliver(batch);
        }
        catch
        {
            _job = null; // the job may have been deleted or re-created under another name: look again on the redelivery
            throw;
        }
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
}

/// <summary>Only the marker Orleans needs to address the consumer grain; it is called by the stream runtime alone.</summary>
public interface IStreamConsumerGrain : IGrainWithStringKey;
