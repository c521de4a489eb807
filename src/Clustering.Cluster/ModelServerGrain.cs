using Orleans.Concurrency;
using Microsoft.Extensions.DependencyInjection;

namespace Clustering.Cluster;

/// <summary>See <see cref="IModelServerGrain"/>: lives on its silo and hands requests to the silo's <see cref="IOnlineServing"/>.</summary>
/// <remarks>
/// Reentrant: a call only waits for the device threads, and requests from many silos must reach the model's batcher
/// together to be batched; the grain keeps no state of its own.
/// </remarks>
[DevicePlacement, Reentrant]
internal sealed class ModelServerGrain(IServiceProvider services, ClusterServices cluster) : Grain, IModelServerGrain
{
    private IOnlineServing? Serving => services.GetService<IOnlineServing>();

    public Task<ServingState> State() => Task.FromResult(Serving?.State() ?? new ServingState(cluster.SiloName, [], 0, 0));

    public Task<OnlineAnswer> Embed(OnlineQuery query) => Serving is { } serving
        ? serving.EmbedHereAsync(query, CancellationToken.None)
        : Task.FromResult(OnlineAnswer.Failed(new OnlineFailure(404, $"The model `{query.Model}` is not served on silo {cluster.SiloName}.",
            "invalid_request_error", "model", "model_not_found", null), cluster.SiloName));
}
