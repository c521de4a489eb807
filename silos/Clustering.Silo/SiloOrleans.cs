using System.Net;
using System.Net.Sockets;
using Clustering.Cluster;
using Clustering.Coordination;
using Clustering.Coordination.Postgres;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Hosting;

namespace Clustering.Silo;

/// <summary>
/// The silo's whole Orleans configuration, in one place (other providers, such as streams, are added here too):
/// the embedding cluster's grains and device host, membership and reminders in the PostgreSQL store (a sqlite: store is a
/// cluster of this one silo, on localhost clustering), endpoints and the cluster's identity.
/// </summary>
public static class SiloOrleans
{
    public static void Configure(ISiloBuilder silo, SiloOptions options, SiloCluster cluster, ListenAddresses listen)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = "clustering";
        });
        silo.Configure<Orleans.Configuration.SiloOptions>(o => o.SiloName = options.ResolvedName);
        if (StoreAddress.KindOf(options.Store) == StoreKind.Postgres)
        {
            var connection = PostgresAddress.Parse(options.Store).ConnectionString;
            silo.UsePostgresClustering(connection);
            silo.UsePostgresReminders(connection);
            silo.ConfigureEndpoints(AdvertisedAddress(options, listen), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: !listen.LoopbackOnly);
        }
        else
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: "clustering", clusterId: options.ClusterId);
            // One silo: its reminders need not outlive it; at start it arms every schedule from the store again.
            silo.UseInMemoryReminderService();
        }
        silo.AddEmbeddingCluster(cluster.Services with { WorkQueue = SiloStreams.WorkQueueOf(options) });
        if (options.Dashboard) silo.AddDashboard(); // its page and API are mapped on the API's Kestrel (SiloHost)
        SiloStreams.Configure(silo, options, cluster);
    }

    /// <summary>What other silos dial: the flag, else loopback for a loopback-only API, else the API's own IP, else this host's first IPv4.</summary>
    private static IPAddress AdvertisedAddress(SiloOptions options, ListenAddresses listen)
    {
        if (!string.IsNullOrEmpty(options.ClusterAddress)) return IPAddress.Parse(options.ClusterAddress);
        if (listen.LoopbackOnly) return IPAddress.Loopback;
        foreach (var url in listen.Urls)
            if (IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any)) return ip;
        foreach (var ip in Dns.GetHostAddresses(Dns.GetHostName()))
            if (ip.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(ip)) return ip;
        throw new ClusteringException("--cluster-address: this host has no IPv4 address other silos could reach; give one");
    }
}
