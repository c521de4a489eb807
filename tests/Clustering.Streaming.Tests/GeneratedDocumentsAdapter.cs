using System.Globalization;
using Azure.Messaging.EventHubs;
using Clustering.Cluster;
using Clustering.Cluster.Streaming;
using Orleans.Providers.Streams.Common;
using Orleans.Serialization;
using Orleans.Streaming.EventHubs;
using Orleans.Streams;

namespace Clustering.Streaming.Tests;

/// <summary>
/// Orleans' Event Hubs adapter as the event generator stand-in uses it, with one change: the generator's events (the
/// numbers 1, 2, 3... of its partition) become documents as they leave the cache, through the real receiver, cache,
/// sequence tokens and pulling agent. Event n is bad when n % 50 == 0, deletes gen-(n-1) when n % 10 == 0, and is the
/// document gen-n otherwise; every good one carries seq n.
/// </summary>
internal sealed class GeneratedDocumentsAdapter(Serializer serializer) : IEventHubDataAdapter
{
    private readonly EventHubDataAdapter _inner = new(serializer);

    public static string TextOf(int n) => n % 50 == 0 ? $"{{\"id\": \"gen-{n}\", \"text\": "
        : n % 10 == 0 ? $"{{\"id\": \"gen-{n - 1}\", \"deleted\": true, \"seq\": \"{Seq(n)}\"}}"
        : $"{{\"id\": \"gen-{n}\", \"text\": \"generated document {n}\", \"v\": \"1\", \"seq\": \"{Seq(n)}\"}}";

    public static string Seq(int n) => n.ToString("D9", CultureInfo.InvariantCulture);

    public IBatchContainer GetBatchContainer(ref CachedMessage cachedMessage)
    {
        var batch = _inner.GetBatchContainer(ref cachedMessage);
        var events = batch.GetEvents<int>().Select(e => new SourcedEvent(TextOf(e.Item1), $"generated event hub {e.Item2}")).ToArray();
        return new DocumentBatch(batch.StreamId, events, batch.SequenceToken);
    }

    public StreamSequenceToken GetSequenceToken(ref CachedMessage cachedMessage) => _inner.GetSequenceToken(ref cachedMessage);

    public EventData ToQueueMessage<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext) =>
        _inner.ToQueueMessage(streamId, events, token, requestContext);

    public CachedMessage FromQueueMessage(StreamPosition position, EventData queueMessage, DateTime dequeueTime, Func<int, ArraySegment<byte>> getSegment) =>
        _inner.FromQueueMessage(position, queueMessage, dequeueTime, getSegment);

    public StreamPosition GetStreamPosition(string partition, EventData queueMessage) => _inner.GetStreamPosition(partition, queueMessage);

    public string GetOffset(CachedMessage cachedMessage) => _inner.GetOffset(cachedMessage);

    public string GetPartitionKey(StreamId streamId) => _inner.GetPartitionKey(streamId);

    public StreamId GetStreamIdentity(EventData queueMessage) => _inner.GetStreamIdentity(queueMessage);
}
