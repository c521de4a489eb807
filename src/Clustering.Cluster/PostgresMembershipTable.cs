using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Clustering.Cluster;

/// <summary>
/// Orleans membership in PostgreSQL, on our own two tables (created idempotently at start). The contract Orleans
/// asks for: a table version that every insert or update moves from the version the writer read (optimistic
/// concurrency over the whole table), and a per-row etag for updates; "I am alive" stamps change neither.
/// </summary>
public sealed class PostgresMembershipTable(NpgsqlDataSource database, IOptions<ClusterOptions> cluster) : IMembershipTable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS orleans_membership_version (
            cluster_id text PRIMARY KEY,
            version    integer NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE IF NOT EXISTS orleans_membership (
            cluster_id   text NOT NULL REFERENCES orleans_membership_version (cluster_id) ON DELETE CASCADE,
            address      text NOT NULL,
            port         integer NOT NULL,
            generation   integer NOT NULL,
            silo_name    text NOT NULL,
            host_name    text NOT NULL,
            status       integer NOT NULL,
            proxy_port   integer NOT NULL,
            suspects     text NOT NULL,
            start_time   timestamptz NOT NULL,
            i_am_alive   timestamptz NOT NULL,
            etag         integer NOT NULL,
            PRIMARY KEY (cluster_id, address, port, generation));
        """;

    private const string Columns = "address, port, generation, silo_name, host_name, status, proxy_port, suspects, start_time, i_am_alive, etag";

    private string ClusterId => cluster.Value.ClusterId;

    public async Task InitializeMembershipTable(bool tryInitTableVersion)
    {
        await using var c = await database.OpenConnectionAsync();
        // Two silos starting at once may both create: the advisory lock makes the DDL one at a time.
        await using (var tx = await c.BeginTransactionAsync())
        {
            await Execute(c, tx, "SELECT pg_advisory_xact_lock(7206110411)");
            await Execute(c, tx, Schema);
            await tx.CommitAsync();
        }
        if (tryInitTableVersion)
            await Execute(c, null, "INSERT INTO orleans_membership_version (cluster_id, version) VALUES (@c, 0) ON CONFLICT DO NOTHING",
                ("@c", ClusterId));
    }

    public async Task DeleteMembershipTableEntries(string clusterId)
    {
        await using var c = await database.OpenConnectionAsync();
        await Execute(c, null, "DELETE FROM orleans_membership_version WHERE cluster_id = @c", ("@c", clusterId));
    }

    public async Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate)
    {
        await using var c = await database.OpenConnectionAsync();
        await Execute(c, null, "DELETE FROM orleans_membership WHERE cluster_id = @c AND status = @dead AND i_am_alive < @before",
            ("@c", ClusterId), ("@dead", (int)SiloStatus.Dead), ("@before", beforeDate.ToUniversalTime()));
    }

    public Task<MembershipTableData> ReadRow(SiloAddress key) => ReadAsync(key);

    public Task<MembershipTableData> ReadAll() => ReadAsync(null);

    private async Task<MembershipTableData> ReadAsync(SiloAddress? key)
    {
        await using var c = await database.OpenConnectionAsync();
        await using var tx = await c.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        int version;
        await using (var cmd = Command(c, tx, "SELECT version FROM orleans_membership_version WHERE cluster_id = @c", ("@c", ClusterId)))
            version = await cmd.ExecuteScalarAsync() is int v ? v : 0;
        var rows = new List<Tuple<MembershipEntry, string>>();
        var sql = $"SELECT {Columns} FROM orleans_membership WHERE cluster_id = @c" +
                  (key is null ? "" : " AND address = @a AND port = @p AND generation = @g");
        await using (var cmd = key is null ? Command(c, tx, sql, ("@c", ClusterId)) : Command(c, tx, sql, [("@c", ClusterId), .. Key(key)]))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync())
                rows.Add(Tuple.Create(ReadEntry(r), r.GetInt32(10).ToString(CultureInfo.InvariantCulture)));
        await tx.CommitAsync();
        return new MembershipTableData(rows, new TableVersion(version, version.ToString(CultureInfo.InvariantCulture)));
    }

    public async Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion)
    {
        await using var c = await database.OpenConnectionAsync();
        await using var tx = await c.BeginTransactionAsync();
        if (!await MoveVersionAsync(c, tx, tableVersion)) return false;
        var inserted = await Execute(c, tx,
            $"INSERT INTO orleans_membership (cluster_id, {Columns}) VALUES (@c, @a, @p, @g, @name, @host, @status, @proxy, @suspects, @start, @alive, 0) " +
            "ON CONFLICT DO NOTHING",
            [("@c", ClusterId), .. Key(entry.SiloAddress), .. Values(entry)]);
        if (inserted != 1) return false;
        await tx.CommitAsync();
        return true;
    }

    public async Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion)
    {
        if (!int.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var rowEtag)) return false;
        await using var c = await database.OpenConnectionAsync();
        await using var tx = await c.BeginTransactionAsync();
        if (!await MoveVersionAsync(c, tx, tableVersion)) return false;
        var updated = await Execute(c, tx,
            "UPDATE orleans_membership SET silo_name = @name, host_name = @host, status = @status, proxy_port = @proxy, suspects = @suspects, " +
            "start_time = @start, i_am_alive = @alive, etag = etag + 1 " +
            "WHERE cluster_id = @c AND address = @a AND port = @p AND generation = @g AND etag = @etag",
            [("@c", ClusterId), .. Key(entry.SiloAddress), .. Values(entry), ("@etag", rowEtag)]);
        if (updated != 1) return false;
        await tx.CommitAsync();
        return true;
    }

    public async Task UpdateIAmAlive(MembershipEntry entry)
    {
        await using var c = await database.OpenConnectionAsync();
        await Execute(c, null, "UPDATE orleans_membership SET i_am_alive = @alive WHERE cluster_id = @c AND address = @a AND port = @p AND generation = @g",
            [("@c", ClusterId), .. Key(entry.SiloAddress), ("@alive", Utc(entry.IAmAliveTime))]);
    }

    /// <summary>The table version moves from the one the writer read (its etag) to the one it proposes; false when someone moved it first.</summary>
    private async Task<bool> MoveVersionAsync(NpgsqlConnection c, NpgsqlTransaction tx, TableVersion tableVersion)
    {
        if (!int.TryParse(tableVersion.VersionEtag, NumberStyles.None, CultureInfo.InvariantCulture, out var read)) return false;
        return await Execute(c, tx, "UPDATE orleans_membership_version SET version = @next, updated_at = now() WHERE cluster_id = @c AND version = @read",
            ("@c", ClusterId), ("@next", tableVersion.Version), ("@read", read)) == 1;
    }

    private static (string, object?)[] Key(SiloAddress silo) =>
        [("@a", silo.Endpoint.Address.ToString()), ("@p", silo.Endpoint.Port), ("@g", silo.Generation)];

    private static (string, object?)[] Values(MembershipEntry e) =>
    [
        ("@name", e.SiloName ?? ""), ("@host", e.HostName ?? ""), ("@status", (int)e.Status), ("@proxy", e.ProxyPort),
        ("@suspects", FormatSuspects(e.SuspectTimes)), ("@start", Utc(e.StartTime)), ("@alive", Utc(e.IAmAliveTime)),
    ];

    private static DateTime Utc(DateTime t) => t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime();

    private static MembershipEntry ReadEntry(NpgsqlDataReader r) => new()
    {
        SiloAddress = SiloAddress.New(IPAddress.Parse(r.GetString(0)), r.GetInt32(1), r.GetInt32(2)),
        SiloName = r.GetString(3),
        HostName = r.GetString(4),
        Status = (SiloStatus)r.GetInt32(5),
        ProxyPort = r.GetInt32(6),
        SuspectTimes = ParseSuspects(r.GetString(7)),
        StartTime = r.GetFieldValue<DateTime>(8),
        IAmAliveTime = r.GetFieldValue<DateTime>(9),
    };

    /// <summary>"silo,ticks|silo,ticks": a silo's parsable form has neither separator.</summary>
    internal static string FormatSuspects(List<Tuple<SiloAddress, DateTime>>? suspects) =>
        suspects is null ? "" : string.Join('|', suspects.Select(s => s.Item1.ToParsableString() + "," + Utc(s.Item2).Ticks.ToString(CultureInfo.InvariantCulture)));

    internal static List<Tuple<SiloAddress, DateTime>> ParseSuspects(string text) =>
        text.Length == 0
            ? []
            : text.Split('|').Select(s =>
            {
                var comma = s.LastIndexOf(',');
                return Tuple.Create(SiloAddress.FromParsableString(s[..comma]),
                    new DateTime(long.Parse(s[(comma + 1)..], CultureInfo.InvariantCulture), DateTimeKind.Utc));
            }).ToList();

    private static NpgsqlCommand Command(NpgsqlConnection c, NpgsqlTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = new NpgsqlCommand(sql, c, tx);
        foreach (var (name, value) in parameters)
            cmd.Parameters.Add(value is DateTime ? new NpgsqlParameter(name, NpgsqlDbType.TimestampTz) { Value = value } : new NpgsqlParameter(name, value ?? DBNull.Value));
        return cmd;
    }

    private static async Task<int> Execute(NpgsqlConnection c, NpgsqlTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = Command(c, tx, sql, parameters);
        return await cmd.ExecuteNonQueryAsync();
    }
}
