using Npgsql;

namespace Clustering.Coordination.Tests;

/// <summary>One PostgreSQL server per test class; each test gets its own schema in it (search_path), so tests never see each other's jobs.</summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    public TemporaryPostgres? Server { get; private set; }

    public Task InitializeAsync()
    {
        if (PostgresAvailability.SkipReason is null)
        {
            if (TemporaryPostgres.FindBinaries() is null)
                throw new InvalidOperationException("CI is set but the PostgreSQL binaries (initdb, pg_ctl) are missing: install postgresql-15");
            Server = TemporaryPostgres.Start();
        }
        return Task.CompletedTask;
    }

    /// <summary>A fresh schema and the store address that uses it.</summary>
    public async Task<string> NewSchemaAddressAsync(string? password = null)
    {
        var server = Server ?? throw new InvalidOperationException("PostgreSQL is not running");
        var schema = "t_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={server.Port};Username=postgres;Database=postgres;Pooling=false");
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection); // a generated identifier, not input
        await cmd.ExecuteNonQueryAsync();
        return server.Address(password: password, query: "search_path=" + schema);
    }

    public Task DisposeAsync()
    {
        Server?.Dispose();
        return Task.CompletedTask;
    }
}
