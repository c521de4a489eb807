using Npgsql;
using NpgsqlTypes;

namespace Clustering.Coordination.Postgres;

public sealed partial class PostgresClusterStore
{
    public Task<LeadershipLease?> TryAcquireLeadershipAsync(string name, string owner, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        return RunAsync("acquire leadership " + name, (c, ct) =>
        {
            var now = _options.Now();
            // Free or expired: take it with the next token. Held by the same owner and live: extend, same token.
            // Held by another and live: the WHERE refuses, nothing returns. The row lock orders concurrent takers.
            return LeaseQueryAsync(c,
                "INSERT INTO leases AS l (name, owner, expires_at, fencing_token) VALUES (@name, @owner, @expires, 1) " +
                "ON CONFLICT (name) DO UPDATE SET " +
                "fencing_token = CASE WHEN l.owner = @owner AND l.expires_at > @now THEN l.fencing_token ELSE l.fencing_token + 1 END, " +
                "owner = @owner, expires_at = @expires WHERE l.owner = @owner OR l.expires_at <= @now " +
                "RETURNING l.name, l.owner, l.expires_at, l.fencing_token", ct,
                P("@name", NpgsqlDbType.Text, name), P("@owner", NpgsqlDbType.Text, owner), Time("@expires", now + duration), Time("@now", now));
        }, cancellationToken);
    }

    public Task<LeadershipLease?> RenewLeadershipAsync(LeadershipLease lease, TimeSpan duration, CancellationToken cancellationToken = default) =>
        RunAsync("renew leadership " + lease.Name, (c, ct) =>
        {
            var now = _options.Now();
            return LeaseQueryAsync(c,
                "UPDATE leases SET expires_at = @expires WHERE name = @name AND owner = @owner AND fencing_token = @token AND expires_at > @now " +
                "RETURNING name, owner, expires_at, fencing_token", ct,
                Time("@expires", now + duration), P("@name", NpgsqlDbType.Text, lease.Name), P("@owner", NpgsqlDbType.Text, lease.Owner),
                P("@token", NpgsqlDbType.Bigint, lease.FencingToken), Time("@now", now));
        }, cancellationToken);

    public Task<bool> ReleaseLeadershipAsync(LeadershipLease lease, CancellationToken cancellationToken = default) =>
        RunAsync("release leadership " + lease.Name, async (c, ct) => await ExecuteAsync(c, null,
            "UPDATE leases SET expires_at = @now WHERE name = @name AND owner = @owner AND fencing_token = @token AND expires_at > @now", ct,
            Time("@now", _options.Now()), P("@name", NpgsqlDbType.Text, lease.Name), P("@owner", NpgsqlDbType.Text, lease.Owner),
            P("@token", NpgsqlDbType.Bigint, lease.FencingToken)).ConfigureAwait(false) == 1, cancellationToken);

    public Task<LeadershipLease?> GetLeadershipAsync(string name, CancellationToken cancellationToken = default) =>
        RunAsync("get leadership " + name, (c, ct) => LeaseQueryAsync(c,
            "SELECT name, owner, expires_at, fencing_token FROM leases WHERE name = @name", ct, P("@name", NpgsqlDbType.Text, name)), cancellationToken);

    private static async Task<LeadershipLease?> LeaseQueryAsync(NpgsqlConnection c, string sql, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var cmd = Command(c, null, sql, parameters);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await r.ReadAsync(ct).ConfigureAwait(false) ? new LeadershipLease(r.GetString(0), r.GetString(1), ReadTime(r, 2), r.GetInt64(3)) : null;
    }
}
