using Microsoft.Data.Sqlite;

namespace Clustering.Coordination.Sqlite;

public sealed partial class SqliteClusterStore
{
    private const string JobColumns =
        "j.id, j.spec, j.state, j.created_at, j.updated_at, j.max_attempts, j.allowed_failed_shards, j.required_device_kind, j.min_gpu_memory_bytes, j.model_id, j.output_location";

    // Counters over one job's shards (or grouped by job): sums count committed shards only.
    private const string CounterColumns =
        "count(*), coalesce(sum(state = 'pending'), 0), coalesce(sum(state = 'leased'), 0), coalesce(sum(state = 'done'), 0), coalesce(sum(state = 'failed'), 0), " +
        "coalesce(sum(CASE WHEN state = 'done' THEN row_count END), 0), coalesce(sum(CASE WHEN state = 'done' THEN byte_count END), 0), " +
        "coalesce(sum(CASE WHEN state = 'done' THEN token_count END), 0), coalesce(sum(CASE WHEN state = 'done' THEN error_count END), 0)";

    public Task<bool> CreateJobAsync(NewJob job, IReadOnlyList<NewShard> shards, CancellationToken cancellationToken = default)
    {
        job.Validate();
        NewShard.Validate(job.Id, shards);
        return Run(() => Write((c, tx) =>
        {
            var now = Ms(_options.Now());
            var inserted = Execute(c, tx,
                "INSERT INTO jobs (id, spec, state, created_at, updated_at, max_attempts, allowed_failed_shards, required_device_kind, min_gpu_memory_bytes, model_id, output_location) " +
                "VALUES (@id, @spec, @state, @now, @now, @max, @allowed, @kind, @mem, @model, @output) ON CONFLICT (id) DO NOTHING",
                ("@id", job.Id), ("@spec", job.SpecJson), ("@state", (shards.Count > 0 ? JobState.Running : JobState.Pending).ToText()),
                ("@now", now), ("@max", job.MaxAttempts), ("@allowed", job.AllowedFailedShards), ("@kind", job.RequiredDeviceKind?.ToLowerInvariant()),
                ("@mem", job.MinGpuMemoryBytes), ("@model", job.ModelId), ("@output", job.OutputLocation));
            if (inserted == 0) return false;
            InsertShards(c, tx, job.Id, shards, now);
            return true;
        }), cancellationToken);
    }

    public Task<bool> TryStartPlanningAsync(string jobId, CancellationToken cancellationToken = default) =>
        Run(() => Write((c, tx) => Execute(c, tx, "UPDATE jobs SET state = 'planning', updated_at = @now WHERE id = @id AND state = 'pending'",
            ("@id", jobId), ("@now", Ms(_options.Now()))) == 1), cancellationToken);

    public Task<bool> PlanJobAsync(string jobId, IReadOnlyList<NewShard> shards, CancellationToken cancellationToken = default)
    {
        NewShard.Validate(jobId, shards);
        return Run(() => Write((c, tx) =>
        {
            var now = Ms(_options.Now());
            if (Execute(c, tx, "UPDATE jobs SET state = 'running', updated_at = @now WHERE id = @id AND state IN ('pending', 'planning')",
                    ("@id", jobId), ("@now", now)) == 0)
                return false;
            InsertShards(c, tx, jobId, shards, now);
            return true;
        }), cancellationToken);
    }

    private static void InsertShards(SqliteConnection c, SqliteTransaction tx, string jobId, IReadOnlyList<NewShard> shards, long now)
    {
        // One prepared statement, rebound per shard: a 100k-shard plan inserts in well under a second.
        using var cmd = Command(c, tx,
            "INSERT INTO shards (job_id, shard_index, spec, state, not_before) VALUES (@job, @index, @spec, 'pending', @now) ON CONFLICT DO NOTHING",
            ("@job", jobId), ("@index", 0), ("@spec", ""), ("@now", now));
        cmd.Prepare();
        foreach (var shard in shards)
        {
            cmd.Parameters["@index"].Value = shard.Index;
            cmd.Parameters["@spec"].Value = shard.SpecJson;
            cmd.ExecuteNonQuery();
        }
    }

    public Task<JobRecord?> GetJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        Run(() => Read(c =>
        {
            using var cmd = Command(c, null,
                $"SELECT {JobColumns}, c.* FROM jobs j, (SELECT {CounterColumns} FROM shards WHERE job_id = @id) c WHERE j.id = @id", ("@id", jobId));
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadJob(r, ReadCounters(r, 11)) : null;
        }), cancellationToken);

    public Task<IReadOnlyList<JobRecord>> ListJobsAsync(JobState? state = null, int limit = 100, CancellationToken cancellationToken = default) =>
        Run<IReadOnlyList<JobRecord>>(() => Read(c =>
        {
            // One snapshot for the jobs and their counters.
            using var tx = c.BeginTransaction(deferred: true);
            var filter = state is null ? "" : "WHERE state = @state";
            var chosen = $"SELECT id FROM jobs {filter} ORDER BY created_at DESC, id DESC LIMIT @limit";
            var parameters = new (string, object?)[] { ("@state", state?.ToText()), ("@limit", Math.Clamp(limit, 1, 10_000)) };
            var counters = new Dictionary<string, JobCounters>(StringComparer.Ordinal);
            using (var cmd = Command(c, tx, $"SELECT job_id, {CounterColumns} FROM shards WHERE job_id IN ({chosen}) GROUP BY job_id", parameters))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) counters[r.GetString(0)] = ReadCounters(r, 1);
            var jobs = new List<JobRecord>();
            using (var cmd = Command(c, tx, $"SELECT {JobColumns} FROM jobs j WHERE j.id IN ({chosen}) ORDER BY j.created_at DESC, j.id DESC", parameters))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) jobs.Add(ReadJob(r, counters.GetValueOrDefault(r.GetString(0), JobCounters.Empty)));
            tx.Commit();
            return jobs;
        }), cancellationToken);

    public Task<IReadOnlyList<ShardRecord>> ListShardsAsync(string jobId, CancellationToken cancellationToken = default) =>
        Run(() => Read(c => ListShards(c, null, jobId)), cancellationToken);

    private static IReadOnlyList<ShardRecord> ListShards(SqliteConnection c, SqliteTransaction? tx, string jobId)
    {
        using var cmd = Command(c, tx, $"SELECT {ShardColumns} FROM shards WHERE job_id = @id ORDER BY shard_index", ("@id", jobId));
        using var r = cmd.ExecuteReader();
        var list = new List<ShardRecord>();
        while (r.Read()) list.Add(ReadShard(r));
        return list;
    }

    public Task<bool> CancelJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        Run(() => Write((c, tx) => Execute(c, tx,
            "UPDATE jobs SET state = 'cancelled', updated_at = @now WHERE id = @id AND state IN ('pending', 'planning', 'running')",
            ("@id", jobId), ("@now", Ms(_options.Now()))) == 1), cancellationToken);

    public Task<bool> FailUnplannedJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        Run(() => Write((c, tx) => Execute(c, tx,
            "UPDATE jobs SET state = 'failed', updated_at = @now WHERE id = @id AND state IN ('pending', 'planning')",
            ("@id", jobId), ("@now", Ms(_options.Now()))) == 1), cancellationToken);

    public Task<bool> FailFinishedJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        Run(() => Write((c, tx) => Execute(c, tx,
            "UPDATE jobs SET state = 'failed', updated_at = @now WHERE id = @id AND state = 'running' " +
            "AND NOT EXISTS (SELECT 1 FROM shards WHERE job_id = @id AND state IN ('pending', 'leased'))",
            ("@id", jobId), ("@now", Ms(_options.Now()))) == 1), cancellationToken);

    public Task<JobCompletion?> TryCompleteJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        Run(() => Write<JobCompletion?>((c, tx) =>
        {
            string? state;
            using (var cmd = Command(c, tx,
                       "UPDATE jobs SET updated_at = @now, state = CASE WHEN (SELECT count(*) FROM shards WHERE job_id = @id AND state = 'failed') > allowed_failed_shards THEN 'failed' ELSE 'succeeded' END " +
                       "WHERE id = @id AND state = 'running' AND ((SELECT count(*) FROM shards WHERE job_id = @id AND state = 'failed') > allowed_failed_shards " +
                       "OR NOT EXISTS (SELECT 1 FROM shards WHERE job_id = @id AND state IN ('pending', 'leased'))) RETURNING state",
                       ("@id", jobId), ("@now", Ms(_options.Now()))))
                state = cmd.ExecuteScalar() as string;
            return state is null ? null : new JobCompletion(jobId, StateNames.ParseJobState(state), ListShards(c, tx, jobId));
        }), cancellationToken);

    private static JobRecord ReadJob(SqliteDataReader r, JobCounters counters) => new(
        Id: r.GetString(0),
        SpecJson: r.GetString(1),
        State: StateNames.ParseJobState(r.GetString(2)),
        CreatedAt: FromMs(r.GetInt64(3)),
        UpdatedAt: FromMs(r.GetInt64(4)),
        MaxAttempts: r.GetInt32(5),
        AllowedFailedShards: r.GetInt32(6),
        RequiredDeviceKind: Text(r, 7),
        MinGpuMemoryBytes: r.IsDBNull(8) ? null : r.GetInt64(8),
        ModelId: r.GetString(9),
        OutputLocation: r.GetString(10),
        Counters: counters);

    private static JobCounters ReadCounters(SqliteDataReader r, int at) => new(
        r.GetInt32(at), r.GetInt32(at + 1), r.GetInt32(at + 2), r.GetInt32(at + 3), r.GetInt32(at + 4),
        r.GetInt64(at + 5), r.GetInt64(at + 6), r.GetInt64(at + 7), r.GetInt64(at + 8));
}
