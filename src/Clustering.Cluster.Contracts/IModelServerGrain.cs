namespace Clustering.Cluster;

/// <summary>
/// The online models of one silo as the rest of the cluster reaches them (key: <c>WorkerIds.Of(silo, "online")</c>,
/// placed on that silo). Any silo's API asks every silo's server what it holds, then sends a request to the one that
/// holds (or has room for) the model it names. The forward pass runs on the device threads, never in a grain turn.
/// </summary>
[Alias("clustering.model-server")]
public interface IModelServerGrain : IGrainWithStringKey
{
    /// <summary>The models this silo serves: which are loaded, what they take of its memory budget.</summary>
    [Alias("state")]
    Task<ServingState> State();

    /// <summary>Embeds a request on this silo's devices (loading the model when it has room); never forwards it again.</summary>
    [Alias("embed")]
    Task<OnlineAnswer> Embed(OnlineQuery query);
}
