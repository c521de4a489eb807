namespace Clustering.Serving;

/// <summary>
/// The models a server answers for. <c>embedctl serve</c> has one, on its own device; a silo has the models its
/// workers hold (and, in a cluster, those other silos' workers hold), each behind an <see cref="IOnlineModel"/>.
/// </summary>
public interface IOnlineModels
{
    /// <summary>The names <c>GET /v1/models</c> lists and requests may use (a silo asks the cluster).</summary>
    Task<IReadOnlyList<string>> NamesAsync(CancellationToken cancellationToken);

    /// <summary>The model a request names, or null (the API answers 404 model_not_found).</summary>
    Task<IOnlineModel?> FindAsync(string name, CancellationToken cancellationToken);

    /// <summary>The queues of the models served from this process, for /metrics.</summary>
    IReadOnlyList<QueueSnapshot> Queues();
}

/// <summary>A model that embeds requests: validates them against itself and answers vectors, or an OpenAI-shaped error.</summary>
public interface IOnlineModel
{
    string Name { get; }

    /// <summary>Embeds the request's inputs; throws <see cref="OpenAiErrorException"/> for what the request asks wrongly or the server cannot do now.</summary>
    Task<EmbeddingsResult> EmbedAsync(EmbeddingsRequest request, CancellationToken cancellationToken);
}

/// <summary>The vectors of a request's inputs in order, (inputs, dimensions) row-major, and the tokens they took.</summary>
public sealed record EmbeddingsResult(float[] Vectors, int Count, int Dimensions, long PromptTokens);
