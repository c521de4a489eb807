using Npgsql;
using NpgsqlTypes;

namespace Clustering.Coordination.Postgres;

public sealed partial class PostgresClusterStore
{
    private const string ScheduleColumns = "id, spec, job_template, next_run_at, enabled, last_run_at, last_job_id";

    public Task UpsertScheduleAsync(ScheduleRecord s, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(s.Id);
        return RunAsync("save schedule " + s.Id, (c, ct) => ExecuteAsync(c, null,
            $"INSERT INTO schedules ({ScheduleColumns}) VALUES (@id, @spec, @template, @next, @enabled, @last, @job) " +
            "ON CONFLICT (id) DO UPDATE SET spec = excluded.spec, job_template = excluded.job_template, next_run_at = excluded.next_run_at, enabled = excluded.enabled", ct,
            P("@id", NpgsqlDbType.Text, s.Id), P("@spec", NpgsqlDbType.Text, s.Spec), P("@template", NpgsqlDbType.Text, s.JobTemplateJson),
            Time("@next", s.NextRunAt.ToUniversalTime()), P("@enabled", NpgsqlDbType.Boolean, s.Enabled),
            P("@last", NpgsqlDbType.TimestampTz, s.LastRunAt?.ToUniversalTime()), P("@job", NpgsqlDbType.Text, s.LastJobId)), cancellationToken);
    }

    public Task<ScheduleRecord?> GetScheduleAsync(string id, CancellationToken cancellationToken = default) =>
        RunAsync("get schedule " + id, async (c, ct) =>
            (await SchedulesAsync(c, "WHERE id = @id", ct, P("@id", NpgsqlDbType.Text, id)).ConfigureAwait(false)).FirstOrDefault(), cancellationToken);

    public Task<IReadOnlyList<ScheduleRecord>> ListSchedulesAsync(CancellationToken cancellationToken = default) =>
        RunAsync("list schedules", (c, ct) => SchedulesAsync(c, "ORDER BY id", ct), cancellationToken);

    public Task<bool> DeleteScheduleAsync(string id, CancellationToken cancellationToken = default) =>
        RunAsync("delete schedule " + id, async (c, ct) => await ExecuteAsync(c, null, "DELETE FROM schedules WHERE id = @id", ct,
            P("@id", NpgsqlDbType.Text, id)).ConfigureAwait(false) == 1, cancellationToken);

    public Task<bool> TryAdvanceScheduleAsync(string id, DateTimeOffset expectedNextRun, DateTimeOffset nextRun, string? jobId, CancellationToken cancellationToken = default) =>
        RunAsync("advance schedule " + id, async (c, ct) => await ExecuteAsync(c, null,
            "UPDATE schedules SET next_run_at = @next, last_run_at = @now, last_job_id = @job WHERE id = @id AND next_run_at = @expected", ct,
            Time("@next", nextRun.ToUniversalTime()), Time("@now", _options.Now()), P("@job", NpgsqlDbType.Text, jobId), P("@id", NpgsqlDbType.Text, id),
            Time("@expected", expectedNextRun.ToUniversalTime())).ConfigureAwait(false) == 1, cancellationToken);

    private static async Task<IReadOnlyList<ScheduleRecord>> SchedulesAsync(NpgsqlConnection c, string where, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var cmd = Command(c, null, $"SELECT {ScheduleColumns} FROM schedules {where}", parameters);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var list = new List<ScheduleRecord>();
        while (await r.ReadAsync(ct).ConfigureAwait(false))
            list.Add(new ScheduleRecord(r.GetString(0), r.GetString(1), r.GetString(2), ReadTime(r, 3), r.GetBoolean(4), ReadTimeOrNull(r, 5), Text(r, 6)));
        return list;
    }
}
