using Microsoft.Data.Sqlite;

namespace Clustering.Coordination.Sqlite;

public sealed partial class SqliteClusterStore
{
    private const string ShardColumns =
        "job_id, shard_index, spec, state, attempt, failures, owner, lease_expires_at, not_before, last_error, output_key, row_count, byte_count, checksum, error_count, token_count, completed_at, empty_text_count";

    private const string JobIsRunning = "EXISTS (SELECT 1 FROM jobs WHERE jobs.id = shards.job_id AND jobs.state = 'running')";
    private const string MaxAttemptsOfJob = "(SELECT max_attempts FROM jobs WHERE jobs.id = shards.job_id)";

    // The n-th failure waits min(cap, base · 2^(n-1)) · jitter ms (RetryBackoff.Delay is the reference); failures is n-1 here.
    private static string BackoffMs(string jitter = "@jitter") => $"CAST(min(@cap_ms, @base_ms * (1 << min(failures, 30))) * {jitter} AS INTEGER)";

    public Task<ShardRecord?> LeaseShardAsync(string workerId, WorkerCapabilities capabilities, IReadOnlyCollection<string> loadedModels,
        TimeSpan leaseDuration, CancellationToken cancellationToken = default, string? onlyJob = null, int? onlyShard = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(workerId);
        return Run(() => Write((c, tx) =>
        {
            var now = _options.Now();
            // Jobs first (few), each with its lowest leasable shard (one index probe), then the best job: model
            // affinity, then age. The write lock is held, so the chosen shard cannot be taken by anyone else.
            using var cmd = Command(c, tx,
                "UPDATE shards SET state = 'leased', owner = @worker, lease_expires_at = @expires, attempt = attempt + 1 " +
                "WHERE (job_id, shard_index) = (SELECT id, idx FROM (" +
                "  SELECT j.id, j.created_at, (j.model_id IN (SELECT value FROM json_each(@models))) AS affine, " +
                "    (SELECT s.shard_index FROM shards s WHERE s.job_id = j.id AND s.state = 'pending' AND s.not_before <= @now " +
                "      AND (@shard IS NULL OR s.shard_index = @shard) ORDER BY s.shard_index LIMIT 1) AS idx " +
                "  FROM jobs j WHERE j.state = 'running' AND (@only IS NULL OR j.id = @only) " +
                "    AND (j.required_device_kind IS NULL OR j.required_device_kind = @kind) " +
                "    AND (j.min_gpu_memory_bytes IS NULL OR j.min_gpu_memory_bytes <= @memory)) " +
                " WHERE idx IS NOT NULL ORDER BY affine DESC, created_at, id LIMIT 1) " +
                $"RETURNING {ShardColumns}",
                ("@worker", workerId), ("@expires", Ms(now + leaseDuration)), ("@now", Ms(now)), ("@models", ModelsJson(loadedModels)),
                ("@kind", capabilities.DeviceKind.ToLowerInvariant()), ("@memory", capabilities.GpuMemoryBytes), ("@only", onlyJob), ("@shard", onlyShard));
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadShard(r) : null;
        }), cancellationToken);
    }

    public Task<bool> CompleteShardAsync(ShardCompletion done, CancellationToken cancellationToken = default) =>
        Run(() => Write((c, tx) =>
        {
            var changed = Execute(c, tx,
                "UPDATE shards SET state = 'done', output_key = @key, row_count = @rows, byte_count = @bytes, checksum = @checksum, " +
                "error_count = @errors, token_count = @tokens, empty_text_count = @empty, completed_at = @now, lease_expires_at = NULL " +
                $"WHERE job_id = @job AND shard_index = @index AND state = 'leased' AND attempt = @attempt AND owner = @worker AND {JobIsRunning}",
                ("@key", done.OutputKey), ("@rows", done.Rows), ("@bytes", done.Bytes), ("@checksum", done.Checksum), ("@errors", done.Errors),
                ("@tokens", done.Tokens), ("@empty", done.EmptyTexts), ("@now", Ms(_options.Now())), ("@job", done.Shard.JobId), ("@index", done.Shard.Index),
                ("@attempt", done.Attempt), ("@worker", done.WorkerId));
            if (changed == 1) return true;
            // A retried commit whose first try did commit: the same attempt, owner and object is a success.
            using var again = Command(c, tx,
                "SELECT 1 FROM shards WHERE job_id = @job AND shard_index = @index AND state = 'done' AND attempt = @attempt AND owner = @worker AND output_key = @key",
                ("@job", done.Shard.JobId), ("@index", done.Shard.Index), ("@attempt", done.Attempt), ("@worker", done.WorkerId), ("@key", done.OutputKey));
            return again.ExecuteScalar() is not null;
        }), cancellationToken);

    public Task<ShardRecord?> FailShardAsync(ShardKey shard, int attempt, string workerId, string error, CancellationToken cancellationToken = default) =>
        Run(() => Write((c, tx) =>
        {
            var now = _options.Now();
            using var cmd = Command(c, tx,
                $"UPDATE shards SET state = CASE WHEN failures + 1 >= {MaxAttemptsOfJob} THEN 'failed' ELSE 'pending' END, " +
                $"not_before = @now + CASE WHEN failures + 1 >= {MaxAttemptsOfJob} THEN 0 ELSE {BackoffMs()} END, " +
                "failures = failures + 1, last_error = @error, lease_expires_at = NULL " +
                $"WHERE job_id = @job AND shard_index = @index AND state = 'leased' AND attempt = @attempt AND owner = @worker RETURNING {ShardColumns}",
                ("@now", Ms(now)), ("@error", Limit(error)), ("@job", shard.JobId), ("@index", shard.Index), ("@attempt", attempt), ("@worker", workerId),
                ("@cap_ms", (long)_options.Backoff.MaxDelay.TotalMilliseconds), ("@base_ms", (long)_options.Backoff.BaseDelay.TotalMilliseconds),
                ("@jitter", _options.Backoff.NextJitter()));
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadShard(r) : null;
        }), cancellationToken);

    public Task<bool> ReleaseShardAsync(ShardKey shard, int attempt, string workerId, CancellationToken cancellationToken = default) =>
        Run(() => Write((c, tx) => Execute(c, tx,
            "UPDATE shards SET state = 'pending', lease_expires_at = NULL, not_before = @now " +
            "WHERE job_id = @job AND shard_index = @index AND state = 'leased' AND attempt = @attempt AND owner = @worker",
            ("@now", Ms(_options.Now())), ("@job", shard.JobId), ("@index", shard.Index), ("@attempt", attempt), ("@worker", workerId)) == 1), cancellationToken);

    public Task<int> ReopenShardsAsync(string jobId, IReadOnlyCollection<int> shardIndices, string reason, CancellationToken cancellationToken = default) =>
        Run(() => Write((c, tx) =>
        {
            var now = Ms(_options.Now());
            if (Execute(c, tx, "UPDATE jobs SET state = 'running', updated_at = @now WHERE id = @job AND state IN ('running', 'succeeded', 'failed')",
                    ("@job", jobId), ("@now", now)) == 0)
                return 0;
            using var cmd = Command(c, tx,
                "UPDATE shards SET state = 'pending', owner = NULL, lease_expires_at = NULL, not_before = @now, last_error = @reason, " +
                "output_key = NULL, row_count = 0, byte_count = 0, checksum = NULL, error_count = 0, token_count = 0, empty_text_count = 0, completed_at = NULL " +
                "WHERE job_id = @job AND shard_index = @index AND state = 'done'",
                ("@now", now), ("@reason", Limit(reason)), ("@job", jobId), ("@index", 0));
            cmd.Prepare();
            var reopened = 0;
            foreach (var index in shardIndices)
            {
                cmd.Parameters["@index"].Value = index;
                reopened += cmd.ExecuteNonQuery();
            }
            return reopened;
        }), cancellationToken);

    private static ShardRecord ReadShard(SqliteDataReader r) => new(
        JobId: r.GetString(0),
        Index: r.GetInt32(1),
        SpecJson: r.GetString(2),
        State: StateNames.ParseShardState(r.GetString(3)),
        Attempt: r.GetInt32(4),
        Failures: r.GetInt32(5),
        Owner: Text(r, 6),
        LeaseExpiresAt: FromMs(r, 7),
        NotBefore: FromMs(r.GetInt64(8)),
        LastError: Text(r, 9),
        OutputKey: Text(r, 10),
        Rows: r.GetInt64(11),
        Bytes: r.GetInt64(12),
        Checksum: Text(r, 13),
        Errors: r.GetInt64(14),
        Tokens: r.GetInt64(15),
        CompletedAt: FromMs(r, 16),
        EmptyTexts: r.GetInt64(17));
}
