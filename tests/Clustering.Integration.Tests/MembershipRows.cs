using Npgsql;

namespace Clustering.Integration.Tests;

/// <summary>
/// The cluster's own record of its silos, read straight from the membership table in PostgreSQL: what Orleans
/// decided (Active, Dead) and the address each silo gave the others, independent of any silo's API.
/// </summary>
public sealed class MembershipRows(TestCluster cluster) : IAsyncDisposable
{
    public const int Active = 3, Dead = 6; // Orleans' SiloStatus

    private readonly NpgsqlDataSource _database =
        NpgsqlDataSource.Create($"Host=127.0.0.1;Port={cluster.Postgres.Port};Username=postgres;Database={cluster.Database}");

    /// <summary>The status of the newest generation of silo <paramref name="silo"/>, or null before it joined.</summary>
    public async Task<int?> StatusAsync(string silo)
    {
        await using var cmd = _database.CreateCommand("SELECT status FROM orleans_membership WHERE silo_name = $1 ORDER BY generation DESC LIMIT 1");
        cmd.Parameters.AddWithValue(silo);
        return await cmd.ExecuteScalarAsync() as int?;
    }

    /// <summary>The address (IP) the newest generation of silo <paramref name="silo"/> advertised to the others.</summary>
    public async Task<string?> AddressAsync(string silo)
    {
        await using var cmd = _database.CreateCommand("SELECT address FROM orleans_membership WHERE silo_name = $1 ORDER BY generation DESC LIMIT 1");
        cmd.Parameters.AddWithValue(silo);
        return await cmd.ExecuteScalarAsync() as string;
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();
}
