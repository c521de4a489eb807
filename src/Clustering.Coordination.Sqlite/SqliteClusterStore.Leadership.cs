using Microsoft.Data.Sqlite;

namespace Clustering.Coordination.Sqlite;

public sealed partial class SqliteClusterStore
{
    public Task<LeadershipLease?> TryAcquireLeadershipAsync(string name, string owner, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        return Run(() => Write((c, tx) =>
        {
            var now = _options.Now();
            // Free or expired: take it with the next token. Held by the same owner and live: extend, same token.
            // Held by another and live: the WHERE refuses, nothing returns.
            using var cmd = Command(c, tx,
                "INSERT INTO leases (name, owner, expires_at, fencing_token) VALUES (@name, @owner, @expires, 1) " +
                "ON CONFLICT (name) DO UPDATE SET " +
                "fencing_token = CASE WHEN leases.owner = @owner AND leases.expires_at > @now THEN leases.fencing_token ELSE leases.fencing_token + 1 END, " +
                "owner = @owner, expires_at = @expires WHERE leases.owner = @owner OR leases.expires_at <= @now " +
                "RETURNING name, owner, expires_at, fencing_token",
                ("@name", name), ("@owner", owner), ("@expires", Ms(now + duration)), ("@now", Ms(now)));
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadLease(r) : null;
        }), cancellationToken);
    }

    public Task<LeadershipLease?> RenewLeadershipAsync(LeadershipLease lease, TimeSpan duration, CancellationToken cancellationToken = default) =>
        Run(() => Write((c, tx) =>
        {
            var now = _options.Now();
            using var cmd = Command(c, tx,
                "UPDATE leases SET expires_at = @expires WHERE name = @name AND owner = @owner AND fencing_token = @token AND expires_at > @now " +
                "RETURNING name, owner, expires_at, fencing_token",
                ("@expires", Ms(now + duration)), ("@name", lease.Name), ("@owner", lease.Owner), ("@token", lease.FencingToken), ("@now", Ms(now)));
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadLease(r) : null;
        }), cancellationToken);

    public Task<bool> ReleaseLeadershipAsync(LeadershipLease lease, CancellationToken cancellationToken = default) =>
        Run(() => Write((c, tx) => Execute(c, tx,
            "UPDATE leases SET expires_at = @now WHERE name = @name AND owner = @owner AND fencing_token = @token AND expires_at > @now",
            ("@now", Ms(_options.Now())), ("@name", lease.Name), ("@owner", lease.Owner), ("@token", lease.FencingToken)) == 1), cancellationToken);

    public Task<LeadershipLease?> GetLeadershipAsync(string name, CancellationToken cancellationToken = default) =>
        Run(() => Read(c =>
        {
            using var cmd = Command(c, null, "SELECT name, owner, expires_at, fencing_token FROM leases WHERE name = @name", ("@name", name));
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadLease(r) : null;
        }), cancellationToken);

    private static LeadershipLease ReadLease(SqliteDataReader r) => new(r.GetString(0), r.GetString(1), FromMs(r.GetInt64(2)), r.GetInt64(3));
}
