using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Serialization;

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
        // Our exceptions cross grain calls (a store outage seen by a job grain reaches the worker as what it is, so the
        // worker retries instead of failing the shard); Orleans serializes only the namespaces it is told of.
        silo.Services.Configure<ExceptionSerializationOptions>(o =>
        {
            o.SupportedNamespacePrefixes.Add("Clustering");
            o.SupportedNamespacePrefixes.Add("Npgsql"); // the inner exception of a PostgreSQL outage
        });
        silo.Services.AddSingleton<DeviceHost>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<DeviceHost>());
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ScheduleKeeper>();
        silo.Services.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = services.ScheduleMinimumPeriod);
        silo.AddPlacementDirector<DevicePlacement, DevicePlacementDirector>();
        // Online requests go to the silo holding their model; the host that serves them registers IOnlineServing.
        silo.Services.AddSingleton<OnlineRouter>();
        silo.AddWorkStream(services.WorkQueue, services.WorkQueueProbe); // planned shards reach their job grain through it
        return silo;
    }

    /// <summary>Membership in PostgreSQL (<see cref="PostgresMembershipTable"/>), tuned so a dead silo is declared in about ten seconds.</summary>
    public static ISiloBuilder UsePostgresClustering(this ISiloBuilder silo, string connectionString)
    {
        silo.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        silo.Services.AddSingleton<IMembershipTable, PostgresMembershipTable>();
        silo.Configure<ClusterMembershipOptions>(TuneMembership);
        return silo;
    }

    /// <summary>
    /// Orleans reminders (what wakes schedule grains) in PostgreSQL (<see cref="PostgresReminderTable"/>), beside the
    /// membership table and in the same database.
    /// </summary>
    public static ISiloBuilder UsePostgresReminders(this ISiloBuilder silo, string connectionString)
    {
        silo.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        silo.AddReminders();
        silo.Services.AddSingleton<IReminderTable, PostgresReminderTable>();
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
