using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Clustering.Coordination.Sqlite;

/// <summary>
/// The cluster store in one SQLite file: the embedded default, safe for several processes on one machine.
/// WAL mode lets readers run beside the one writer; every write is a <c>BEGIN IMMEDIATE</c> transaction, so writers
/// queue on the file lock (busy timeout) instead of failing, and a process killed mid-write leaves the last
/// committed state (synchronous=NORMAL in WAL survives kill -9; a power cut may lose the last commits, not consistency).
/// One pooled connection per operation: no connection is shared between threads.
/// </summary>
public sealed partial class SqliteClusterStore : IClusterStore
{
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    private readonly string _connectionString;
    private readonly ClusterStoreOptions _options;

    private SqliteClusterStore(string path, ClusterStoreOptions options)
    {
        Path = path;
        DisplayName = "sqlite:" + path;
        _options = options;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    public string DisplayName { get; }

    /// <summary>
    /// Opens (creating when absent) the store at <c>sqlite:PATH</c> or PATH and applies pending migrations. Safe to
    /// call from several processes at once: migrations run under the write lock and are skipped when applied.
    /// </summary>
    public static async Task<SqliteClusterStore> OpenAsync(string address, ClusterStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        var path = ParsePath(address);
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        var store = new SqliteClusterStore(path, options ?? new ClusterStoreOptions());
        await Task.Run(store.Migrate, cancellationToken).ConfigureAwait(false);
        return store;
    }

    /// <summary>The file path in <c>sqlite:PATH</c> or a plain PATH.</summary>
    public static string ParsePath(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var path = address.Trim();
        if (path.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase)) path = path["sqlite:".Length..];
        if (path.StartsWith("//", StringComparison.Ordinal)) path = path[2..]; // sqlite:///abs/path → /abs/path
        if (path.Length == 0) throw new StoreAddressException($"store address '{address}': no file path after 'sqlite:'");
        if (path.IndexOf('\0') >= 0) throw new StoreAddressException("store address: the path contains a NUL character");
        return path;
    }

    public ValueTask DisposeAsync()
    {
        // Pooled handles keep the file open (and its WAL un-checkpointed) after the store is gone; let them go.
        using (var c = new SqliteConnection(_connectionString)) SqliteConnection.ClearPool(c);
        return ValueTask.CompletedTask;
    }

    public override string ToString() => DisplayName;

    private void Migrate()
    {
        var migrations = EmbeddedMigrations.Load(typeof(SqliteClusterStore).Assembly);
        using var connection = Open();
        // journal_mode is a property of the file and cannot change inside a transaction.
        using (var wal = Command(connection, null, "PRAGMA journal_mode = WAL")) wal.ExecuteScalar();
        using var tx = connection.BeginTransaction(deferred: false);
        Execute(connection, tx, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
        long current;
        using (var cmd = Command(connection, tx, "SELECT coalesce(max(version), 0) FROM schema_version")) current = (long)cmd.ExecuteScalar()!;
        if (current > migrations.Count)
            throw new ClusteringException($"{DisplayName}: the schema is at version {current}, newer than this build knows ({migrations.Count}); use a newer build");
        foreach (var m in migrations)
        {
            if (m.Version <= current) continue;
            Execute(connection, tx, m.Sql);
            Execute(connection, tx, "INSERT INTO schema_version (version, name, applied_at) VALUES (@v, @n, @t)",
                ("@v", m.Version), ("@n", m.Name), ("@t", Ms(_options.Now())));
        }
        tx.Commit();
    }

    /// <summary>The applied schema version (for tests and diagnostics).</summary>
    internal int SchemaVersion() => Read(c =>
    {
        using var cmd = Command(c, null, "SELECT coalesce(max(version), 0) FROM schema_version");
        return (int)(long)cmd.ExecuteScalar()!;
    });

    // ---- plumbing ----

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragmas = connection.CreateCommand();
        pragmas.CommandText = $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";
        pragmas.ExecuteNonQuery();
        return connection;
    }

    /// <summary>A read on its own connection (WAL gives it a consistent snapshot per statement; several statements share one when wrapped in a deferred transaction).</summary>
    private T Read<T>(Func<SqliteConnection, T> body)
    {
        using var connection = Open();
        return body(connection);
    }

    /// <summary>A write: BEGIN IMMEDIATE takes the file's write lock first, so the reads inside see the state the write applies to.</summary>
    private T Write<T>(Func<SqliteConnection, SqliteTransaction, T> body)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction(deferred: false);
        var result = body(connection, tx);
        tx.Commit();
        return result;
    }

    private static Task<T> Run<T>(Func<T> body, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Microsoft.Data.Sqlite's async calls run synchronously anyway; be honest and return a completed task.
        return Task.FromResult(body());
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    private static int Execute(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(connection, tx, sql, parameters);
        return cmd.ExecuteNonQuery();
    }

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();
    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
    private static DateTimeOffset? FromMs(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : FromMs(r.GetInt64(i));
    private static string? Text(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static string ModelsJson(IEnumerable<string> models) => JsonSerializer.Serialize(models.ToArray(), CoordinationJson.Default.StringArray);
    private static string[] ModelsFromJson(string json) => JsonSerializer.Deserialize(json, CoordinationJson.Default.StringArray) ?? [];

    private static string Limit(string text, int max = 4000) => text.Length <= max ? text : text[..max];
}
