using System.Globalization;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Clustering.Cluster;

/// <summary>
/// Orleans reminders in PostgreSQL, on our own table (created idempotently at start, like the membership table). A
/// row is one reminder of one grain, keyed by the service (reminders outlive a cluster's redeployments), the grain and
/// the reminder's name. Each silo's reminder service reads the rows whose grain hash falls in its part of the ring,
/// so the hash is a column with an index. The etag is a counter every upsert moves; a removal names the etag it read.
/// </summary>
public sealed class PostgresReminderTable(NpgsqlDataSource database, IOptions<ClusterOptions> cluster) : IReminderTable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS orleans_reminders (
            service_id    text NOT NULL,
            grain_id      text NOT NULL,
            reminder_name text NOT NULL,
            grain_hash    bigint NOT NULL,
            start_at      timestamptz NOT NULL,
            period_ticks  bigint NOT NULL,
            etag          bigint NOT NULL,
            PRIMARY KEY (service_id, grain_id, reminder_name));
        CREATE INDEX IF NOT EXISTS orleans_reminders_by_hash ON orleans_reminders (service_id, grain_hash);
        """;

    private const string Columns = "grain_id, reminder_name, start_at, period_ticks, etag";

    private string ServiceId => cluster.Value.ServiceId;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenConnectionAsync(cancellationToken);
        // Two silos starting at once may both create: the advisory lock makes the DDL one at a time.
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await Execute(c, tx, "SELECT pg_advisory_xact_lock(7206110412)", cancellationToken);
        await Execute(c, tx, Schema, cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<ReminderTableData> ReadRows(GrainId grainId) => ReadRows(grainId, CancellationToken.None);

    public Task<ReminderTableData> ReadRows(GrainId grainId, CancellationToken cancellationToken) =>
        ReadAsync("grain_id = @g", cancellationToken, ("@g", grainId.ToString()));

    /// <summary>Rows whose grain hash is in (begin, end]; when begin ≥ end the range wraps around the ring.</summary>
    public Task<ReminderTableData> ReadRows(uint begin, uint end) => ReadRows(begin, end, CancellationToken.None);

    public Task<ReminderTableData> ReadRows(uint begin, uint end, CancellationToken cancellationToken) =>
        ReadAsync(begin < end ? "grain_hash > @b AND grain_hash <= @e" : "(grain_hash > @b OR grain_hash <= @e)", cancellationToken,
            ("@b", (long)begin), ("@e", (long)end));

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => ReadRow(grainId, reminderName, CancellationToken.None);

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName, CancellationToken cancellationToken)
    {
        var rows = await ReadAsync("grain_id = @g AND reminder_name = @n", cancellationToken, ("@g", grainId.ToString()), ("@n", reminderName));
        return rows.Reminders.Count == 0 ? null : rows.Reminders[0];
    }

    public Task<string?> UpsertRow(ReminderEntry entry) => UpsertRow(entry, CancellationToken.None);

    public async Task<string?> UpsertRow(ReminderEntry entry, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenConnectionAsync(cancellationToken);
        await using var cmd = Command(c, null,
            $"INSERT INTO orleans_reminders (service_id, {Columns}, grain_hash) VALUES (@s, @g, @n, @start, @period, 1, @hash) " +
            "ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE SET start_at = excluded.start_at, period_ticks = excluded.period_ticks, " +
            "grain_hash = excluded.grain_hash, etag = orleans_reminders.etag + 1 RETURNING etag",
            ("@s", ServiceId), ("@g", entry.GrainId.ToString()), ("@n", entry.ReminderName), ("@start", Utc(entry.StartAt)),
            ("@period", entry.Period.Ticks), ("@hash", (long)entry.GrainId.GetUniformHashCode()));
        var etag = (long)(await cmd.ExecuteScalarAsync(cancellationToken))!;
        return entry.ETag = etag.ToString(CultureInfo.InvariantCulture);
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) => RemoveRow(grainId, reminderName, eTag, CancellationToken.None);

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken)
    {
        if (!long.TryParse(eTag, NumberStyles.None, CultureInfo.InvariantCulture, out var etag)) return false;
        await using var c = await database.OpenConnectionAsync(cancellationToken);
        return await Execute(c, null, "DELETE FROM orleans_reminders WHERE service_id = @s AND grain_id = @g AND reminder_name = @n AND etag = @etag",
            cancellationToken, ("@s", ServiceId), ("@g", grainId.ToString()), ("@n", reminderName), ("@etag", etag)) == 1;
    }

    public Task TestOnlyClearTable() => TestOnlyClearTable(CancellationToken.None);

    public async Task TestOnlyClearTable(CancellationToken cancellationToken)
    {
        await using var c = await database.OpenConnectionAsync(cancellationToken);
        await Execute(c, null, "DELETE FROM orleans_reminders WHERE service_id = @s", cancellationToken, ("@s", ServiceId));
    }

    private async Task<ReminderTableData> ReadAsync(string where, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var c = await database.OpenConnectionAsync(ct);
        await using var cmd = Command(c, null, $"SELECT {Columns} FROM orleans_reminders WHERE service_id = @s AND {where}", [("@s", ServiceId), .. parameters]);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<ReminderEntry>();
        while (await r.ReadAsync(ct))
            rows.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(r.GetString(0)),
                ReminderName = r.GetString(1),
                StartAt = r.GetFieldValue<DateTime>(2),
                Period = TimeSpan.FromTicks(r.GetInt64(3)),
                ETag = r.GetInt64(4).ToString(CultureInfo.InvariantCulture),
            });
        return new ReminderTableData(rows);
    }

    private static DateTime Utc(DateTime t) => t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime();

    private static NpgsqlCommand Command(NpgsqlConnection c, NpgsqlTransaction? tx, string sql, params (string Name, object Value)[] parameters)
    {
        var cmd = new NpgsqlCommand(sql, c, tx);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        return cmd;
    }

    private static async Task<int> Execute(NpgsqlConnection c, NpgsqlTransaction? tx, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var cmd = Command(c, tx, sql, parameters);
        return await cmd.ExecuteNonQueryAsync(ct);
    }
}
