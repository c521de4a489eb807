using Clustering.Cluster;

namespace Clustering.Silo;

/// <summary>
/// The models a silo's API answers for: those any silo of the cluster serves. A request goes where
/// <see cref="OnlineRouter"/> sends it (the silo that has its model loaded, else one with room to load it), which
/// may be this silo or another; what it counts is in /metrics (<c>clustering_embeddings_forwarded_total</c> here,
/// <c>clustering_embeddings_served_for_total</c> on the silo that embedded it).
/// </summary>
public sealed class ClusterOnlineModels(SiloOnlineModels local, OnlineRouter router, ServingMetrics metrics) : IOnlineModels
{
    public async Task<IReadOnlyList<string>> NamesAsync(CancellationToken cancellationToken)
    {
        var silos = await router.ClusterAsync(fresh: false, cancellationToken).ConfigureAwait(false);
        return [.. silos.SelectMany(s => s.State.Models.Select(m => m.Name)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public async Task<IOnlineModel?> FindAsync(string name, CancellationToken cancellationToken)
    {
        if (local.Names.Contains(name)) return new Route(this, name);
        // Another silo may have started serving it since the cached answers: ask again before a 404.
        foreach (var fresh in new[] { false, true })
            if ((await router.ClusterAsync(fresh, cancellationToken).ConfigureAwait(false)).Any(s => s.State.Find(name) is not null))
                return new Route(this, name);
        return null;
    }

    public IReadOnlyList<QueueSnapshot> Queues() => local.Queues();

    private async Task<EmbeddingsResult> EmbedAsync(string name, EmbeddingsRequest request, CancellationToken cancellationToken)
    {
        var here = local.SiloName;
        var answer = await router.EmbedAsync(OnlineQueries.FromRequest(request, here), cancellationToken).ConfigureAwait(false)
            ?? throw new OpenAiErrorException(OpenAiError.ModelNotFound(name));
        if (!string.Equals(answer.Silo, here, StringComparison.Ordinal)) metrics.Forwarded(name, answer.Silo);
        if (answer.Error is { } error) throw OnlineQueries.ToException(error);
        return new EmbeddingsResult(answer.Vectors, answer.Count, answer.Dimensions, answer.PromptTokens);
    }

    private sealed class Route(ClusterOnlineModels owner, string name) : IOnlineModel
    {
        public string Name => name;

        public Task<EmbeddingsResult> EmbedAsync(EmbeddingsRequest request, CancellationToken cancellationToken) =>
            owner.EmbedAsync(name, request, cancellationToken);
    }
}
