using Orleans.Streams;

namespace Clustering.Cluster.Streaming;

/// <summary>
/// The events of one source message (a queue message, an Event Hubs event) as Orleans carries them from the pulling
/// agent to the consumer grain: each as a <see cref="SourcedEvent"/>, all under the message's sequence token.
/// </summary>
[GenerateSerializer, Alias("clustering.document-batch")]
public sealed class DocumentBatch(StreamId streamId, SourcedEvent[] events, StreamSequenceToken token) : IBatchContainer
{
    [Id(0)] public StreamId StreamId { get; } = streamId;

    [Id(1)] public SourcedEvent[] Events { get; } = events;

    [Id(2)] public StreamSequenceToken SequenceToken { get; } = token;

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() =>
        Events.OfType<T>().Select(e => Tuple.Create(e, SequenceToken));

    public bool ImportRequestContext() => false;
}
