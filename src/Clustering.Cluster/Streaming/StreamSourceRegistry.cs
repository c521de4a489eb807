namespace Clustering.Cluster.Streaming;

/// <summary>
/// The sources this silo was configured with (Orleans stream providers are fixed when a silo starts) and, for those
/// it could not reach at start-up, why: a stream job on such a source shows it as its state instead of a silo that
/// never starts. Filled while the silo is built, read-only afterwards.
/// </summary>
public sealed class StreamSourceRegistry
{
    private readonly Dictionary<string, string?> _sources = new(StringComparer.Ordinal);

    public void Add(StreamSource source, string? unavailableBecause = null) => _sources[source.Uri] = unavailableBecause;

    public IReadOnlyCollection<string> Configured => _sources.Keys;

    public bool IsConfigured(StreamSource source) => _sources.ContainsKey(source.Uri);

    /// <summary>Why the source could not be reached when the silo started, or null when it is in use.</summary>
    public string? UnavailableBecause(StreamSource source) => _sources.GetValueOrDefault(source.Uri);
}
