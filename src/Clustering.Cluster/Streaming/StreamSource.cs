namespace Clustering.Cluster.Streaming;

/// <summary>
/// Where a stream job's events come from, parsed from the user's URI: <c>azqueue://ACCOUNT/QUEUE</c>,
/// <c>eventhub://NAMESPACE/HUB[/CONSUMER_GROUP]</c> or <c>memory://NAME</c> (one process, tests). Each configured source
/// is one Orleans stream provider named by its URI, whose events all go to one stream (<see cref="Namespace"/>, key: the URI).
/// </summary>
public sealed record StreamSource(string Scheme, string Account, string Name, string? ConsumerGroup)
{
    /// <summary>The stream namespace every document source delivers into; the consumer grain subscribes to it implicitly.</summary>
    public const string Namespace = "clustering.documents";

    public const string AzureQueue = "azqueue", EventHub = "eventhub", Memory = "memory";

    /// <summary>The canonical URI: provider name and stream key.</summary>
    public string Uri => Scheme switch
    {
        Memory => $"{Memory}://{Name}",
        EventHub when ConsumerGroup is not null => $"{EventHub}://{Account}/{Name}/{ConsumerGroup}",
        _ => $"{Scheme}://{Account}/{Name}",
    };

    public StreamId StreamId => StreamId.Create(Namespace, Uri);

    public override string ToString() => Uri;

    public static StreamSource Parse(string text)
    {
        const string shapes = "azqueue://ACCOUNT/QUEUE, eventhub://NAMESPACE/HUB[/CONSUMER_GROUP] or memory://NAME";
        var separator = text.IndexOf("://", StringComparison.Ordinal);
        if (separator <= 0) throw new ClusteringException($"--source '{text}': not a source URI; give {shapes}");
        var scheme = text[..separator].ToLowerInvariant();
        var parts = text[(separator + 3)..].Split('/');
        if (parts.Any(p => p.Length == 0 || p.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))))
            throw new ClusteringException($"--source '{text}': each part after {scheme}:// is letters, digits, '-', '_' or '.', none empty");
        return (scheme, parts.Length) switch
        {
            (Memory, 1) => new StreamSource(Memory, "", parts[0], null),
            (AzureQueue, 2) => new StreamSource(AzureQueue, parts[0], parts[1].ToLowerInvariant(), null),
            (EventHub, 2) => new StreamSource(EventHub, parts[0], parts[1], null),
            (EventHub, 3) => new StreamSource(EventHub, parts[0], parts[1], parts[2]),
            _ => throw new ClusteringException($"--source '{text}': expected {shapes}"),
        };
    }
}
