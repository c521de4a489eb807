using System.Net.Sockets;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Clustering.Coordination.Postgres;

/// <summary>
/// The cluster store in PostgreSQL, shared by every silo. Each operation borrows a pooled connection, runs one
/// statement (or one transaction) and returns it. A connection lost under an operation (server restart, failover,
/// network cut) clears the pool and retries the operation once; every operation is safe to retry. Past that the
/// caller gets <see cref="ClusterStoreUnavailableException"/> and retries on its own schedule.
/// </summary>
public sealed partial class PostgresClusterStore : IClusterStore
{
    // pg_advisory_xact_lock key for migrations: any constant the application owns ("CLUSTMIG").
    private const long MigrationLockKey = 0x434C5553544D4947;
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(250);

    private readonly NpgsqlDataSource _dataSource;
    private readonly ClusterStoreOptions _options;

    private PostgresClusterStore(PostgresAddress address, ClusterStoreOptions options)
    {
        DisplayName = address.DisplayName;
        _options = options;
        _dataSource = NpgsqlDataSource.Create(address.ConnectionString);
    }

    public string DisplayName { get; }

    public override string ToString() => DisplayName;

    /// <summary>Connects to <paramref name="address"/> (URI or Npgsql connection string) and applies pending migrations under an advisory lock.</summary>
    public static async Task<PostgresClusterStore> OpenAsync(string address, ClusterStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        var store = new PostgresClusterStore(PostgresAddress.Parse(address), options ?? new ClusterStoreOptions());
        try
        {
            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private Task MigrateAsync(CancellationToken ct) => RunAsync("migrate", async (c, ct) =>
    {
        var migrations = EmbeddedMigrations.Load(typeof(PostgresClusterStore).Assembly);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        // Concurrent openers (several silos starting together) queue here; the loser finds the work done.
        await using (var lockCmd = Command(c, tx, "SELECT pg_advisory_xact_lock(@key)", P("@key", NpgsqlDbType.Bigint, MigrationLockKey)))
            await lockCmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        await ExecuteAsync(c, tx, "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)", ct).ConfigureAwait(false);
        int current;
        await using (var cmd = Command(c, tx, "SELECT coalesce(max(version), 0) FROM schema_version"))
            current = (int)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        if (current > migrations.Count)
            throw new ClusteringException($"{DisplayName}: the schema is at version {current}, newer than this build knows ({migrations.Count}); use a newer build");
        foreach (var m in migrations)
        {
            if (m.Version <= current) continue;
            await ExecuteAsync(c, tx, m.Sql, ct).ConfigureAwait(false);
            await ExecuteAsync(c, tx, "INSERT INTO schema_version (version, name, applied_at) VALUES (@v, @n, @t)", ct,
                P("@v", NpgsqlDbType.Integer, m.Version), P("@n", NpgsqlDbType.Text, m.Name), P("@t", NpgsqlDbType.TimestampTz, _options.Now())).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return 0;
    }, ct);

    /// <summary>The applied schema version (for tests and diagnostics).</summary>
    internal Task<int> SchemaVersionAsync(CancellationToken ct = default) => RunAsync("schema version", async (c, ct) =>
    {
        await using var cmd = Command(c, null, "SELECT coalesce(max(version), 0) FROM schema_version");
        return (int)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }, ct);

    // ---- plumbing ----

    /// <summary>Runs <paramref name="body"/> on a pooled connection; on a lost connection clears the pool and runs it once more.</summary>
    private async Task<T> RunAsync<T>(string operation, Func<NpgsqlConnection, CancellationToken, Task<T>> body, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                return await body(connection, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsConnectionLoss(e) && !ct.IsCancellationRequested)
            {
                // Pooled connections to a restarted server are all dead: drop them rather than fail on each in turn.
                _dataSource.Clear();
                if (attempt >= 2)
                    throw new ClusterStoreUnavailableException($"{DisplayName}: {operation} failed: {e.Message}", e);
                await Task.Delay(RetryPause, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Errors after which the same operation on a fresh connection may succeed.</summary>
    internal static bool IsConnectionLoss(Exception e) => e switch
    {
        // 08: connection exceptions; 57P01-03: admin/crash shutdown, cannot connect now; 40001/40P01: serialization, deadlock.
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState is "57P01" or "57P02" or "57P03" or "40001" or "40P01" or "53300",
        NpgsqlException n => n.IsTransient || n.InnerException is IOException or SocketException or TimeoutException,
        SocketException or IOException => true,
        _ => false,
    };

    private static NpgsqlCommand Command(NpgsqlConnection c, NpgsqlTransaction? tx, string sql, params NpgsqlParameter[] parameters)
    {
        var cmd = new NpgsqlCommand(sql, c, tx);
        cmd.Parameters.AddRange(parameters);
        return cmd;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string sql, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var cmd = Command(c, tx, sql, parameters);
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>A typed parameter: NULLs keep their type, so "@x IS NULL" plans without guessing.</summary>
    private static NpgsqlParameter P(string name, NpgsqlDbType type, object? value) => new(name, type) { Value = value ?? DBNull.Value };

    private static NpgsqlParameter Time(string name, DateTimeOffset value) => P(name, NpgsqlDbType.TimestampTz, value);

    private static DateTimeOffset ReadTime(NpgsqlDataReader r, int i) => r.GetFieldValue<DateTimeOffset>(i).ToUniversalTime();
    private static DateTimeOffset? ReadTimeOrNull(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : ReadTime(r, i);
    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static string ModelsJson(IEnumerable<string> models) => JsonSerializer.Serialize(models.ToArray(), CoordinationJson.Default.StringArray);
    private static string[] ModelsFromJson(string json) => JsonSerializer.Deserialize(json, CoordinationJson.Default.StringArray) ?? [];

    private static string Limit(string text, int max = 4000) => text.Length <= max ? text : text[..max];
}
