using Npgsql;
using NpgsqlTypes;

namespace Clustering.Coordination.Postgres;

public sealed partial class PostgresClusterStore
{
    private const string JobColumns =
        "j.id, j.spec, j.state, j.created_at, j.updated_at, j.max_attempts, j.allowed_failed_shards, j.required_device_kind, j.min_gpu_memory_bytes, j.model_id, j.output_location";

    // Counters over one job's shards; sums count committed shards only.
    private const string CounterColumns =
        "count(*)::int, (count(*) FILTER (WHERE state = 'pending'))::int, (count(*) FILTER (WHERE state = 'leased'))::int, " +
        "(count(*) FILTER (WHERE state = 'done'))::int, (count(*) FILTER (WHERE state = 'failed'))::int, " +
        "coalesce(sum(row_count) FILTER (WHERE state = 'done'), 0)::bigint, coalesce(sum(byte_count) FILTER (WHERE state = 'done'), 0)::bigint, " +
        "coalesce(sum(token_count) FILTER (WHERE state = 'done'), 0)::bigint, coalesce(sum(error_count) FILTER (WHERE state = 'done'), 0)::bigint";

    public Task<bool> CreateJobAsync(NewJob job, IReadOnlyList<NewShard> shards, CancellationToken cancellationToken = default)
    {
        job.Validate();
        NewShard.Validate(job.Id, shards);
        return RunAsync("create job " + job.Id, async (c, ct) =>
        {
            var now = _options.Now();
            await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
            var inserted = await ExecuteAsync(c, tx,
                "INSERT INTO jobs (id, spec, state, created_at, updated_at, max_attempts, allowed_failed_shards, required_device_kind, min_gpu_memory_bytes, model_id, output_location) " +
                "VALUES (@id, @spec, @state, @now, @now, @max, @allowed, @kind, @mem, @model, @output) ON CONFLICT (id) DO NOTHING", ct,
                P("@id", NpgsqlDbType.Text, job.Id), P("@spec", NpgsqlDbType.Text, job.SpecJson),
                P("@state", NpgsqlDbType.Text, (shards.Count > 0 ? JobState.Running : JobState.Pending).ToText()), Time("@now", now),
                P("@max", NpgsqlDbType.Integer, job.MaxAttempts), P("@allowed", NpgsqlDbType.Integer, job.AllowedFailedShards),
                P("@kind", NpgsqlDbType.Text, job.RequiredDeviceKind?.ToLowerInvariant()), P("@mem", NpgsqlDbType.Bigint, job.MinGpuMemoryBytes),
                P("@model", NpgsqlDbType.Text, job.ModelId), P("@output", NpgsqlDbType.Text, job.OutputLocation)).ConfigureAwait(false);
            if (inserted == 0) return false;
            await InsertShardsAsync(c, tx, job.Id, shards, now, ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public Task<bool> TryStartPlanningAsync(string jobId, CancellationToken cancellationToken = default) =>
        RunAsync("start planning " + jobId, async (c, ct) => await ExecuteAsync(c, null,
            "UPDATE jobs SET state = 'planning', updated_at = @now WHERE id = @id AND state = 'pending'", ct,
            P("@id", NpgsqlDbType.Text, jobId), Time("@now", _options.Now())).ConfigureAwait(false) == 1, cancellationToken);

    public Task<bool> PlanJobAsync(string jobId, IReadOnlyList<NewShard> shards, CancellationToken cancellationToken = default)
    {
        NewShard.Validate(jobId, shards);
        return RunAsync("plan job " + jobId, async (c, ct) =>
        {
            var now = _options.Now();
            await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
            if (await ExecuteAsync(c, tx, "UPDATE jobs SET state = 'running', updated_at = @now WHERE id = @id AND state IN ('pending', 'planning')", ct,
                    P("@id", NpgsqlDbType.Text, jobId), Time("@now", now)).ConfigureAwait(false) == 0)
                return false;
            await InsertShardsAsync(c, tx, jobId, shards, now, ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    private static async Task InsertShardsAsync(NpgsqlConnection c, NpgsqlTransaction tx, string jobId, IReadOnlyList<NewShard> shards, DateTimeOffset now, CancellationToken ct)
    {
        // Arrays in one statement: a 100k-shard plan is one round trip.
        var indexes = new int[shards.Count];
        var specs = new string[shards.Count];
        for (var i = 0; i < shards.Count; i++) (indexes[i], specs[i]) = (shards[i].Index, shards[i].SpecJson);
        await ExecuteAsync(c, tx,
            "INSERT INTO shards (job_id, shard_index, spec, state, not_before) SELECT @job, i, s, 'pending', @now FROM unnest(@indexes, @specs) AS u(i, s) ON CONFLICT DO NOTHING", ct,
            P("@job", NpgsqlDbType.Text, jobId), Time("@now", now), P("@indexes", NpgsqlDbType.Array | NpgsqlDbType.Integer, indexes),
            P("@specs", NpgsqlDbType.Array | NpgsqlDbType.Text, specs)).ConfigureAwait(false);
    }

    public Task<JobRecord?> GetJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        RunAsync("get job " + jobId, async (c, ct) =>
        {
            await using var cmd = Command(c, null,
                $"SELECT {JobColumns}, c.* FROM jobs j, LATERAL (SELECT {CounterColumns} FROM shards WHERE job_id = j.id) c WHERE j.id = @id",
                P("@id", NpgsqlDbType.Text, jobId));
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await r.ReadAsync(ct).ConfigureAwait(false) ? ReadJob(r) : null;
        }, cancellationToken);

    public Task<IReadOnlyList<JobRecord>> ListJobsAsync(JobState? state = null, int limit = 100, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<JobRecord>>("list jobs", async (c, ct) =>
        {
            await using var cmd = Command(c, null,
                $"SELECT {JobColumns}, c.* FROM (SELECT * FROM jobs WHERE @state::text IS NULL OR state = @state ORDER BY created_at DESC, id DESC LIMIT @limit) j, " +
                $"LATERAL (SELECT {CounterColumns} FROM shards WHERE job_id = j.id) c ORDER BY j.created_at DESC, j.id DESC",
                P("@state", NpgsqlDbType.Text, state?.ToText()), P("@limit", NpgsqlDbType.Integer, Math.Clamp(limit, 1, 10_000)));
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var list = new List<JobRecord>();
            while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(ReadJob(r));
            return list;
        }, cancellationToken);

    public Task<IReadOnlyList<ShardRecord>> ListShardsAsync(string jobId, CancellationToken cancellationToken = default) =>
        RunAsync("list shards of " + jobId, (c, ct) => ListShardsAsync(c, null, jobId, ct), cancellationToken);

    private static async Task<IReadOnlyList<ShardRecord>> ListShardsAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string jobId, CancellationToken ct)
    {
        await using var cmd = Command(c, tx, $"SELECT {ShardColumns} FROM shards s WHERE s.job_id = @id ORDER BY s.shard_index", P("@id", NpgsqlDbType.Text, jobId));
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var list = new List<ShardRecord>();
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(ReadShard(r));
        return list;
    }

    public Task<bool> CancelJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        RunAsync("cancel job " + jobId, async (c, ct) => await ExecuteAsync(c, null,
            "UPDATE jobs SET state = 'cancelled', updated_at = @now WHERE id = @id AND state IN ('pending', 'planning', 'running')", ct,
            P("@id", NpgsqlDbType.Text, jobId), Time("@now", _options.Now())).ConfigureAwait(false) == 1, cancellationToken);

    public Task<bool> FailUnplannedJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        RunAsync("fail job " + jobId, async (c, ct) => await ExecuteAsync(c, null,
            "UPDATE jobs SET state = 'failed', updated_at = @now WHERE id = @id AND state IN ('pending', 'planning')", ct,
            P("@id", NpgsqlDbType.Text, jobId), Time("@now", _options.Now())).ConfigureAwait(false) == 1, cancellationToken);

    public Task<bool> FailFinishedJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        RunAsync("fail finished job " + jobId, async (c, ct) => await ExecuteAsync(c, null,
            "UPDATE jobs SET state = 'failed', updated_at = @now WHERE id = @id AND state = 'running' " +
            "AND NOT EXISTS (SELECT 1 FROM shards WHERE job_id = @id AND state IN ('pending', 'leased'))", ct,
            P("@id", NpgsqlDbType.Text, jobId), Time("@now", _options.Now())).ConfigureAwait(false) == 1, cancellationToken);

    public Task<JobCompletion?> TryCompleteJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        RunAsync("complete job " + jobId, async (c, ct) =>
        {
            await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
            string? state;
            // Counts from the statement's snapshot; the job row's lock makes the move happen once: a second caller
            // waits on the row, then re-checks state = 'running' against the committed row and updates nothing.
            // Done and failed are final for shards, so a snapshot that sees none open is never contradicted later.
            await using (var cmd = Command(c, tx,
                             "WITH c AS (SELECT count(*) FILTER (WHERE state IN ('pending', 'leased')) AS open, count(*) FILTER (WHERE state = 'failed') AS failed " +
                             "FROM shards WHERE job_id = @id) " +
                             "UPDATE jobs j SET updated_at = @now, state = CASE WHEN c.failed > j.allowed_failed_shards THEN 'failed' ELSE 'succeeded' END " +
                             "FROM c WHERE j.id = @id AND j.state = 'running' AND (c.open = 0 OR c.failed > j.allowed_failed_shards) RETURNING j.state",
                             P("@id", NpgsqlDbType.Text, jobId), Time("@now", _options.Now())))
                state = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
            if (state is null) return null;
            var shards = await ListShardsAsync(c, tx, jobId, ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return new JobCompletion(jobId, StateNames.ParseJobState(state), shards);
        }, cancellationToken);

    private static JobRecord ReadJob(NpgsqlDataReader r) => new(
        Id: r.GetString(0),
        SpecJson: r.GetString(1),
        State: StateNames.ParseJobState(r.GetString(2)),
        CreatedAt: ReadTime(r, 3),
        UpdatedAt: ReadTime(r, 4),
        MaxAttempts: r.GetInt32(5),
        AllowedFailedShards: r.GetInt32(6),
        RequiredDeviceKind: Text(r, 7),
        MinGpuMemoryBytes: r.IsDBNull(8) ? null : r.GetInt64(8),
        ModelId: r.GetString(9),
        OutputLocation: r.GetString(10),
        Counters: new JobCounters(r.GetInt32(11), r.GetInt32(12), r.GetInt32(13), r.GetInt32(14), r.GetInt32(15),
            r.GetInt64(16), r.GetInt64(17), r.GetInt64(18), r.GetInt64(19)));
}
