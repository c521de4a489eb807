namespace Clustering.Cluster;

/// <summary>
/// This silo's online models, given by the host that serves /v1/embeddings (embed-silo): what it holds, and embedding
/// a request here, loading the model within the silo's memory budget. Requests from any silo reach it through
/// <see cref="IModelServerGrain"/>; a silo without it serves nothing online.
/// </summary>
public interface IOnlineServing
{
    ServingState State();

    /// <summary>Embeds on this silo's devices; refusals come back as <see cref="OnlineAnswer.Error"/>, never as exceptions.</summary>
    Task<OnlineAnswer> EmbedHereAsync(OnlineQuery query, CancellationToken cancellationToken);
}
