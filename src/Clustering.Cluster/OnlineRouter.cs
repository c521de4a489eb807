using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Clustering.Cluster;

/// <summary>
/// Sends an online request to the silo that should embed it (<see cref="OnlinePlacement"/>), from any silo's API.
/// It asks every active silo's <see cref="IModelServerGrain"/> what it serves and keeps the answers for a second;
/// a decision to load a model is taken on fresh answers only, so a model another silo just loaded is not loaded
/// twice. This silo's own state is always read fresh.
/// </summary>
public sealed class OnlineRouter(IServiceProvider services, IGrainFactory grains, IClusterMembershipService membership, ILocalSiloDetails silo,
    ILogger<OnlineRouter> log)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AskFor = TimeSpan.FromSeconds(5);

    // The other silos' last answers and when they were taken; replaced whole, read without a lock.
    private volatile Snapshot? _others;

    private IOnlineServing? Local => services.GetService<IOnlineServing>();

    /// <summary>Every active silo's serving state, this one's first.</summary>
    public async Task<IReadOnlyList<SiloServing>> ClusterAsync(bool fresh, CancellationToken cancellationToken)
    {
        var others = _others;
        if (fresh || others is null || DateTime.UtcNow - others.At > CacheFor)
        {
            others = new Snapshot(DateTime.UtcNow, await AskOthersAsync(cancellationToken).ConfigureAwait(false));
            _others = others;
        }
        var local = Local?.State() ?? new ServingState(silo.Name, [], 0, 0);
        return [new SiloServing(silo.SiloAddress, true, local), .. others.Silos];
    }

    /// <summary>Embeds the query where it should go; null when no silo serves its model.</summary>
    public async Task<OnlineAnswer?> EmbedAsync(OnlineQuery query, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var choice = OnlinePlacement.Choose(query.Model, await ClusterAsync(fresh: attempt > 0, cancellationToken).ConfigureAwait(false));
            if (choice is null || !choice.Value.Loaded) // unknown or loaded nowhere: decide on fresh answers
                choice = OnlinePlacement.Choose(query.Model, await ClusterAsync(fresh: true, cancellationToken).ConfigureAwait(false));
            if (choice is not { Silo: var target }) return null;
            if (target.IsLocal) return await Local!.EmbedHereAsync(query, cancellationToken).ConfigureAwait(false);
            try
            {
                return await Server(target.Address).Embed(query).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt == 0 && DeviceWorker.IsClusterTrouble(e))
            {
                // The silo left the cluster (or cannot be reached) between the answer and the call: choose again.
                log.LogWarning("online request for {Model}: silo {Silo} did not answer ({Message}); choosing again", query.Model, target.State.SiloName, e.Message);
            }
        }
    }

    private IModelServerGrain Server(SiloAddress address) => grains.GetGrain<IModelServerGrain>(WorkerIds.Of(address, "online"));

    private async Task<IReadOnlyList<SiloServing>> AskOthersAsync(CancellationToken cancellationToken)
    {
        var others = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(silo.SiloAddress))
            .Select(m => m.SiloAddress).ToList();
        var answers = await Task.WhenAll(others.Select(async address =>
        {
            try
            {
                var state = await Server(address).State().WaitAsync(AskFor, cancellationToken).ConfigureAwait(false);
                return new SiloServing(address, false, state);
            }
            catch (Exception e) when (DeviceWorker.IsClusterTrouble(e))
            {
                log.LogDebug("silo {Silo} did not say what it serves: {Message}", address, e.Message);
                return null;
            }
        })).ConfigureAwait(false);
        return [.. answers.OfType<SiloServing>()];
    }

    private sealed record Snapshot(DateTime At, IReadOnlyList<SiloServing> Silos);
}
