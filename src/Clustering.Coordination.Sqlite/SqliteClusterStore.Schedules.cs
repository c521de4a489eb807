using Microsoft.Data.Sqlite;

namespace Clustering.Coordination.Sqlite;

public sealed partial class SqliteClusterStore
{
    private const string ScheduleColumns = "id, spec, job_template, next_run_at, enabled, last_run_at, last_job_id";

    public Task UpsertScheduleAsync(ScheduleRecord s, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(s.Id);
        return Run(() => Write((c, tx) => Execute(c, tx,
            $"INSERT INTO schedules ({ScheduleColumns}) VALUES (@id, @spec, @template, @next, @enabled, @last, @job) " +
            "ON CONFLICT (id) DO UPDATE SET spec = excluded.spec, job_template = excluded.job_template, next_run_at = excluded.next_run_at, enabled = excluded.enabled",
            ("@id", s.Id), ("@spec", s.Spec), ("@template", s.JobTemplateJson), ("@next", Ms(s.NextRunAt)), ("@enabled", s.Enabled ? 1 : 0),
            ("@last", s.LastRunAt is { } l ? Ms(l) : null), ("@job", s.LastJobId))), cancellationToken);
    }

    public Task<ScheduleRecord?> GetScheduleAsync(string id, CancellationToken cancellationToken = default) =>
        Run(() => Read(c => Schedules(c, "WHERE id = @id", ("@id", id)).FirstOrDefault()), cancellationToken);

    public Task<IReadOnlyList<ScheduleRecord>> ListSchedulesAsync(CancellationToken cancellationToken = default) =>
        Run(() => Read(c => Schedules(c, "ORDER BY id")), cancellationToken);

    public Task<bool> DeleteScheduleAsync(string id, CancellationToken cancellationToken = default) =>
        Run(() => Write((c, tx) => Execute(c, tx, "DELETE FROM schedules WHERE id = @id", ("@id", id)) == 1), cancellationToken);

    public Task<bool> TryAdvanceScheduleAsync(string id, DateTimeOffset expectedNextRun, DateTimeOffset nextRun, string? jobId, CancellationToken cancellationToken = default) =>
        Run(() => Write((c, tx) => Execute(c, tx,
            "UPDATE schedules SET next_run_at = @next, last_run_at = @now, last_job_id = @job WHERE id = @id AND next_run_at = @expected",
            ("@next", Ms(nextRun)), ("@now", Ms(_options.Now())), ("@job", jobId), ("@id", id), ("@expected", Ms(expectedNextRun))) == 1), cancellationToken);

    private static IReadOnlyList<ScheduleRecord> Schedules(SqliteConnection c, string where, params (string, object?)[] parameters)
    {
        using var cmd = Command(c, null, $"SELECT {ScheduleColumns} FROM schedules {where}", parameters);
        using var r = cmd.ExecuteReader();
        var list = new List<ScheduleRecord>();
        while (r.Read())
            list.Add(new ScheduleRecord(r.GetString(0), r.GetString(1), r.GetString(2), FromMs(r.GetInt64(3)), r.GetInt64(4) != 0, FromMs(r, 5), Text(r, 6)));
        return list;
    }
}
