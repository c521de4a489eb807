using Clustering.Coordination;
using Clustering.Coordination.Postgres;
using Clustering.Coordination.Sqlite;

namespace Clustering.Hosting;

/// <summary>Opens the store an address names: `sqlite:PATH` (or a path), `postgres://...` or an Npgsql connection string.</summary>
public static class ClusterStores
{
    public static async Task<IClusterStore> OpenAsync(string address, ClusterStoreOptions? options = null, CancellationToken cancellationToken = default) =>
        StoreAddress.KindOf(address) switch
        {
            StoreKind.Postgres => await PostgresClusterStore.OpenAsync(address, options, cancellationToken).ConfigureAwait(false),
            _ => await SqliteClusterStore.OpenAsync(address, options, cancellationToken).ConfigureAwait(false),
        };
}
