namespace Clustering.Cluster;

/// <summary>
/// What travels on a document stream: one event's raw JSON text and where its source had it ("azqueue://a/q message
/// 17 line 2", "eventhub://ns/hub offset 1234 sequence 56"), so a bad event can be found again.
/// </summary>
[GenerateSerializer, Immutable, Alias("clustering.sourced-event")]
public sealed record SourcedEvent([property: Id(0)] string Text, [property: Id(1)] string Position);
