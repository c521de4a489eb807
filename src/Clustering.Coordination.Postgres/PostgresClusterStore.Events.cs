using NpgsqlTypes;

namespace Clustering.Coordination.Postgres;

public sealed partial class PostgresClusterStore
{
    public Task<long> AppendEventAsync(string jobId, string kind, string message, CancellationToken cancellationToken = default) =>
        RunAsync("append event to " + jobId, async (c, ct) =>
        {
            await using var cmd = Command(c, null, "INSERT INTO events (job_id, at, kind, message) VALUES (@job, @at, @kind, @message) RETURNING id",
                P("@job", NpgsqlDbType.Text, jobId), Time("@at", _options.Now()), P("@kind", NpgsqlDbType.Text, kind), P("@message", NpgsqlDbType.Text, Limit(message)));
            return (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }, cancellationToken);

    public Task<IReadOnlyList<JobEvent>> ReadEventsAsync(string jobId, long afterId = 0, int limit = 1000, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<JobEvent>>("read events of " + jobId, async (c, ct) =>
        {
            await using var cmd = Command(c, null, "SELECT id, job_id, at, kind, message FROM events WHERE job_id = @job AND id > @after ORDER BY id LIMIT @limit",
                P("@job", NpgsqlDbType.Text, jobId), P("@after", NpgsqlDbType.Bigint, afterId), P("@limit", NpgsqlDbType.Integer, Math.Clamp(limit, 1, 100_000)));
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var list = new List<JobEvent>();
            while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(new JobEvent(r.GetInt64(0), r.GetString(1), ReadTime(r, 2), r.GetString(3), r.GetString(4)));
            return list;
        }, cancellationToken);
}
