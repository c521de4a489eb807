using Clustering.Coordination.Postgres;

namespace Clustering.Coordination.Tests;

/// <summary>The conformance suite on a real PostgreSQL (started by the fixture), one schema per test.</summary>
public sealed class PostgresClusterStoreTests(PostgresServerFixture postgres) : ClusterStoreConformance, IClassFixture<PostgresServerFixture>, INeedsPostgres
{
    private const string Password = "s3cr3t-Pa55";
    private string? _address;

    protected override async Task<IClusterStore> OpenAsync() =>
        await PostgresClusterStore.OpenAsync(_address ??= await postgres.NewSchemaAddressAsync(Password), Options);

    protected override Task<int> SchemaVersionAsync(IClusterStore store) => ((PostgresClusterStore)store).SchemaVersionAsync();

    protected override async Task ExecuteAsync(string sql)
    {
        await using var c = new Npgsql.NpgsqlConnection(PostgresAddress.Parse(_address!).ConnectionString);
        await c.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    // The test's own schema (the address's search_path) only.
    protected override Task<IReadOnlyList<string>> TablesAsync() =>
        NamesAsync("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename");

    protected override Task<IReadOnlyList<string>> IndexesAsync() =>
        NamesAsync("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname");

    private async Task<IReadOnlyList<string>> NamesAsync(string sql)
    {
        await using var c = new Npgsql.NpgsqlConnection(PostgresAddress.Parse(_address!).ConnectionString);
        await c.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(sql, c);
        await using var r = await cmd.ExecuteReaderAsync();
        var names = new List<string>();
        while (await r.ReadAsync()) names.Add(r.GetString(0));
        return names;
    }

    [StoreFact]
    public async Task The_store_reconnects_after_PostgreSQL_restarts()
    {
        await Store.CreateJobAsync(Job("restart"), Shards(3));
        var held = (await Store.LeaseShardAsync("w", Cpu, [], Lease))!;

        postgres.Server!.StopServer();
        try
        {
            var down = await Assert.ThrowsAsync<ClusterStoreUnavailableException>(() => Store.GetJobAsync("restart"));
            Assert.StartsWith($"postgres://postgres@127.0.0.1:{postgres.Server.Port}/postgres: get job restart failed: ", down.Message);
            Assert.DoesNotContain(Password, down.ToString());
        }
        finally
        {
            postgres.Server.StartServer();
        }

        // Every pooled connection died with the old server; the first operations after the restart still succeed.
        Assert.True(await Store.CompleteShardAsync(new ShardCompletion(held.Key, held.Attempt, "w", "part-00000-a1.parquet", 1, 1, "c", 0, 1)));
        var next = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Store.LeaseShardAsync($"w{i}", Cpu, [], Lease)));
        Assert.Equal([1, 2], next.Where(s => s is not null).Select(s => s!.Index).Order());
        Assert.Equal(new JobCounters(3, 0, 2, 1, 0, 1, 1, 1, 0), (await Store.GetJobAsync("restart"))!.Counters);
    }

    [StoreFact]
    public async Task An_unreachable_server_is_reported_without_the_password()
    {
        var closedPort = postgres.Server!.Port == 1 ? 2 : 1;
        var e = await Assert.ThrowsAsync<ClusterStoreUnavailableException>(() =>
            PostgresClusterStore.OpenAsync($"postgres://postgres:{Password}@127.0.0.1:{closedPort}/postgres?connect_timeout=2", Options));
        Assert.StartsWith($"postgres://postgres@127.0.0.1:{closedPort}/postgres: migrate failed: ", e.Message);
        Assert.DoesNotContain(Password, e.ToString());
    }
}
