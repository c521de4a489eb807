namespace Clustering.Coordination.Sqlite;

public sealed partial class SqliteClusterStore
{
    public Task<long> AppendEventAsync(string jobId, string kind, string message, CancellationToken cancellationToken = default) =>
        Run(() => Write((c, tx) =>
        {
            using var cmd = Command(c, tx, "INSERT INTO events (job_id, at, kind, message) VALUES (@job, @at, @kind, @message) RETURNING id",
                ("@job", jobId), ("@at", Ms(_options.Now())), ("@kind", kind), ("@message", Limit(message)));
            return (long)cmd.ExecuteScalar()!;
        }), cancellationToken);

    public Task<IReadOnlyList<JobEvent>> ReadEventsAsync(string jobId, long afterId = 0, int limit = 1000, CancellationToken cancellationToken = default) =>
        Run<IReadOnlyList<JobEvent>>(() => Read(c =>
        {
            using var cmd = Command(c, null, "SELECT id, job_id, at, kind, message FROM events WHERE job_id = @job AND id > @after ORDER BY id LIMIT @limit",
                ("@job", jobId), ("@after", afterId), ("@limit", Math.Clamp(limit, 1, 100_000)));
            using var r = cmd.ExecuteReader();
            var list = new List<JobEvent>();
            while (r.Read()) list.Add(new JobEvent(r.GetInt64(0), r.GetString(1), FromMs(r.GetInt64(2)), r.GetString(3), r.GetString(4)));
            return list;
        }), cancellationToken);
}
