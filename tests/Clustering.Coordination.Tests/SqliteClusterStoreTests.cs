using Clustering.Coordination.Sqlite;

namespace Clustering.Coordination.Tests;

/// <summary>The conformance suite on a SQLite file in a fresh temp folder.</summary>
public sealed class SqliteClusterStoreTests : ClusterStoreConformance
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("clustering-sqlite-");

    private string Address => "sqlite:" + System.IO.Path.Combine(_dir.FullName, "state", "cluster.db");

    protected override async Task<IClusterStore> OpenAsync() => await SqliteClusterStore.OpenAsync(Address, Options);

    protected override Task<int> SchemaVersionAsync(IClusterStore store) => Task.FromResult(((SqliteClusterStore)store).SchemaVersion());

    protected override async Task ExecuteAsync(string sql)
    {
        await using var c = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + SqliteClusterStore.ParsePath(Address));
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    protected override Task<IReadOnlyList<string>> TablesAsync() =>
        NamesAsync("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");

    protected override Task<IReadOnlyList<string>> IndexesAsync() =>
        NamesAsync("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name");

    private async Task<IReadOnlyList<string>> NamesAsync(string sql)
    {
        await using var c = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + SqliteClusterStore.ParsePath(Address));
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        await using var r = await cmd.ExecuteReaderAsync();
        var names = new List<string>();
        while (await r.ReadAsync()) names.Add(r.GetString(0));
        return names;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _dir.Delete(recursive: true);
    }

    [Fact]
    public async Task The_file_is_in_WAL_mode_and_a_second_process_view_sees_committed_state()
    {
        await Store.CreateJobAsync(Job("wal"), Shards(1));
        Assert.True(File.Exists(System.IO.Path.Combine(_dir.FullName, "state", "cluster.db-wal")));
        // A separate connection pool (as another process would have) sees the commit.
        await using var other = await SqliteClusterStore.OpenAsync(System.IO.Path.Combine(_dir.FullName, "state", "cluster.db"), Options);
        Assert.Equal(JobState.Running, (await other.GetJobAsync("wal"))!.State);
    }

    [Fact]
    public async Task A_schema_newer_than_the_build_is_refused_with_the_versions()
    {
        await using (var c = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + SqliteClusterStore.ParsePath(Address)))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "INSERT INTO schema_version (version, name, applied_at) VALUES (99, 'future', 0)";
            await cmd.ExecuteNonQueryAsync();
        }
        var e = await Assert.ThrowsAsync<ClusteringException>(() => SqliteClusterStore.OpenAsync(Address, Options));
        Assert.Equal($"{Address}: the schema is at version 99, newer than this build knows (3); use a newer build", e.Message);
    }
}
