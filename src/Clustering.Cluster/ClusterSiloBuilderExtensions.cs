using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Clustering.Cluster;

/// <summary>The one place a silo is made an embedding-cluster silo, for embed-silo, `embedctl run` and the tests alike.</summary>
public static class ClusterSiloBuilderExtensions
{
    /// <summary>
    /// The grains (job, directory, worker), placement of worker grains on their device's silo, and the device host
    /// that runs this silo's devices. Clustering (membership) is chosen by the caller: <see cref="UsePostgresClustering"/>
    /// for a cluster, localhost clustering for one process.
    /// </summary>
    public static ISiloBuilder AddEmbeddingCluster(this ISiloBuilder silo, ClusterServices services)
    {
        silo.Services.AddSingleton(services);
        silo.Services.AddSingleton<DeviceHost>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<DeviceHost>());
        silo.AddPlacementDirector<DevicePlacement, DevicePlacementDirector>();
        return silo;
    }

    /// <summary>Membership in PostgreSQL (<see cref="PostgresMembershipTable"/>), tuned so a dead silo is declared in about ten seconds.</summary>
    public static ISiloBuilder UsePostgresClustering(this ISiloBuilder silo, string connectionString)
    {
        silo.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        silo.Services.AddSingleton<IMembershipTable, PostgresMembershipTable>();
        silo.Configure<ClusterMembershipOptions>(TuneMembership);
        return silo;
    }

    /// <summary>
    /// A killed silo is declared dead after two missed probes of a second each plus the vote (~2-10 s on a loaded
    /// machine); a hung one (its scheduler blocked) the same way, as probes are answered by the runtime.
    /// </summary>
    public static void TuneMembership(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(2);
        o.NumMissedProbesLimit = 2;
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
        o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);
    }
}
