namespace Clustering.Cluster;

/// <summary>
/// What a stream job is: where its events come from (<c>azqueue://ACCOUNT/QUEUE</c>, <c>eventhub://NAMESPACE/HUB[/GROUP]</c>,
/// <c>memory://NAME</c>), how they are embedded and written (<see cref="SpecJson"/>: a JobSpec whose model, output,
/// embedding, input-field and write options apply; its inputs are unused) and when a window closes: once it holds
/// <see cref="WindowDocs"/> events or its first event is <see cref="WindowSeconds"/> old, whichever comes first.
/// </summary>
[GenerateSerializer, Immutable, Alias("clustering.stream-job-definition")]
public sealed record StreamJobDefinition(
    [property: Id(0)] string Name,
    [property: Id(1)] string Source,
    [property: Id(2)] string SpecJson,
    [property: Id(3)] int WindowDocs,
    [property: Id(4)] double WindowSeconds);
