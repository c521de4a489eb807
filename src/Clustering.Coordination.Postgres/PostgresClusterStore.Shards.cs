using Npgsql;
using NpgsqlTypes;

namespace Clustering.Coordination.Postgres;

public sealed partial class PostgresClusterStore
{
    private const string ShardColumns =
        "s.job_id, s.shard_index, s.spec, s.state, s.attempt, s.failures, s.owner, s.lease_expires_at, s.not_before, s.last_error, s.output_key, " +
        "s.row_count, s.byte_count, s.checksum, s.error_count, s.token_count, s.completed_at, s.empty_text_count";

    // The n-th failure waits min(cap, base · 2^(n-1)) · jitter ms (RetryBackoff.Delay is the reference); s.failures is n-1 here.
    private static string Backoff(string jitter = "@jitter") =>
        $"floor(least(@cap_ms, @base_ms * power(2, least(s.failures, 30))) * {jitter}) * interval '1 millisecond'";

    private const string Keyed = "s.job_id = @job AND s.shard_index = @index AND s.state = 'leased' AND s.attempt = @attempt AND s.owner = @worker";

    private static NpgsqlParameter[] KeyParameters(ShardKey shard, int attempt, string workerId) =>
    [
        P("@job", NpgsqlDbType.Text, shard.JobId), P("@index", NpgsqlDbType.Integer, shard.Index),
        P("@attempt", NpgsqlDbType.Integer, attempt), P("@worker", NpgsqlDbType.Text, workerId),
    ];

    private NpgsqlParameter[] BackoffParameters() =>
    [
        P("@cap_ms", NpgsqlDbType.Bigint, (long)_options.Backoff.MaxDelay.TotalMilliseconds),
        P("@base_ms", NpgsqlDbType.Bigint, (long)_options.Backoff.BaseDelay.TotalMilliseconds),
    ];

    public Task<ShardRecord?> LeaseShardAsync(string workerId, WorkerCapabilities capabilities, IReadOnlyCollection<string> loadedModels,
        TimeSpan leaseDuration, CancellationToken cancellationToken = default, string? onlyJob = null, int? onlyShard = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(workerId);
        return RunAsync("lease a shard", async (c, ct) =>
        {
            var now = _options.Now();
            // Running jobs this worker can serve, best first (model affinity, then age); for each in turn, the lowest
            // pending shard that no one else has locked. The nested loop stops at the first job that yields a shard,
            // so only that shard is locked; SKIP LOCKED lets concurrent leasers pass each other instead of queueing.
            await using var cmd = Command(c, null,
                "UPDATE shards s SET state = 'leased', owner = @worker, lease_expires_at = @expires, attempt = s.attempt + 1 " +
                "FROM (SELECT p.job_id, p.shard_index FROM " +
                "  (SELECT j.id FROM jobs j WHERE j.state = 'running' AND (@only::text IS NULL OR j.id = @only) " +
                "     AND (j.required_device_kind IS NULL OR j.required_device_kind = @kind) " +
                "     AND (j.min_gpu_memory_bytes IS NULL OR j.min_gpu_memory_bytes <= @memory) " +
                "   ORDER BY (j.model_id = ANY(@models)) DESC, j.created_at, j.id) j " +
                "  CROSS JOIN LATERAL (SELECT q.job_id, q.shard_index FROM shards q " +
                "     WHERE q.job_id = j.id AND q.state = 'pending' AND q.not_before <= @now " +
                "       AND (@shard::int IS NULL OR q.shard_index = @shard) " +
                "     ORDER BY q.shard_index LIMIT 1 FOR UPDATE SKIP LOCKED) p " +
                "  LIMIT 1) pick " +
                $"WHERE s.job_id = pick.job_id AND s.shard_index = pick.shard_index RETURNING {ShardColumns}",
                P("@worker", NpgsqlDbType.Text, workerId), Time("@expires", now + leaseDuration), Time("@now", now),
                P("@kind", NpgsqlDbType.Text, capabilities.DeviceKind.ToLowerInvariant()), P("@memory", NpgsqlDbType.Bigint, capabilities.GpuMemoryBytes),
                P("@models", NpgsqlDbType.Array | NpgsqlDbType.Text, loadedModels.ToArray()), P("@only", NpgsqlDbType.Text, onlyJob),
                P("@shard", NpgsqlDbType.Integer, onlyShard));
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await r.ReadAsync(ct).ConfigureAwait(false) ? ReadShard(r) : null;
        }, cancellationToken);
    }

    public Task<bool> CompleteShardAsync(ShardCompletion done, CancellationToken cancellationToken = default) =>
        RunAsync("complete shard " + done.Shard, async (c, ct) =>
        {
            var changed = await ExecuteAsync(c, null,
                "UPDATE shards s SET state = 'done', output_key = @key, row_count = @rows, byte_count = @bytes, checksum = @checksum, " +
                "error_count = @errors, token_count = @tokens, empty_text_count = @empty, completed_at = @now, lease_expires_at = NULL " +
                $"FROM jobs j WHERE j.id = s.job_id AND j.state = 'running' AND {Keyed}", ct,
                [
                    P("@key", NpgsqlDbType.Text, done.OutputKey), P("@rows", NpgsqlDbType.Bigint, done.Rows), P("@bytes", NpgsqlDbType.Bigint, done.Bytes),
                    P("@checksum", NpgsqlDbType.Text, done.Checksum), P("@errors", NpgsqlDbType.Bigint, done.Errors), P("@tokens", NpgsqlDbType.Bigint, done.Tokens),
                    P("@empty", NpgsqlDbType.Bigint, done.EmptyTexts),
                    Time("@now", _options.Now()), .. KeyParameters(done.Shard, done.Attempt, done.WorkerId),
                ]).ConfigureAwait(false);
            if (changed == 1) return true;
            // A retried commit whose first try did commit (the reply was lost): same attempt, owner and object is a success.
            await using var again = Command(c, null,
                "SELECT 1 FROM shards s WHERE s.job_id = @job AND s.shard_index = @index AND s.state = 'done' AND s.attempt = @attempt AND s.owner = @worker AND s.output_key = @key",
                [P("@key", NpgsqlDbType.Text, done.OutputKey), .. KeyParameters(done.Shard, done.Attempt, done.WorkerId)]);
            return await again.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null;
        }, cancellationToken);

    public Task<ShardRecord?> FailShardAsync(ShardKey shard, int attempt, string workerId, string error, CancellationToken cancellationToken = default) =>
        RunAsync("fail shard " + shard, async (c, ct) =>
        {
            var now = _options.Now();
            await using var cmd = Command(c, null,
                "UPDATE shards s SET state = CASE WHEN s.failures + 1 >= j.max_attempts THEN 'failed' ELSE 'pending' END, " +
                $"not_before = CASE WHEN s.failures + 1 >= j.max_attempts THEN @now ELSE @now + {Backoff()} END, " +
                "failures = s.failures + 1, last_error = @error, lease_expires_at = NULL " +
                $"FROM jobs j WHERE j.id = s.job_id AND {Keyed} RETURNING {ShardColumns}",
                [
                    Time("@now", now), P("@error", NpgsqlDbType.Text, Limit(error)), P("@jitter", NpgsqlDbType.Double, _options.Backoff.NextJitter()),
                    .. BackoffParameters(), .. KeyParameters(shard, attempt, workerId),
                ]);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await r.ReadAsync(ct).ConfigureAwait(false) ? ReadShard(r) : null;
        }, cancellationToken);

    public Task<bool> ReleaseShardAsync(ShardKey shard, int attempt, string workerId, CancellationToken cancellationToken = default) =>
        RunAsync("release shard " + shard, async (c, ct) => await ExecuteAsync(c, null,
            $"UPDATE shards s SET state = 'pending', lease_expires_at = NULL, not_before = @now WHERE {Keyed}", ct,
            [Time("@now", _options.Now()), .. KeyParameters(shard, attempt, workerId)]).ConfigureAwait(false) == 1, cancellationToken);

    public Task<int> ReopenShardsAsync(string jobId, IReadOnlyCollection<int> shardIndices, string reason, CancellationToken cancellationToken = default) =>
        RunAsync("reopen shards of " + jobId, async (c, ct) =>
        {
            var now = _options.Now();
            await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
            if (await ExecuteAsync(c, tx, "UPDATE jobs SET state = 'running', updated_at = @now WHERE id = @job AND state IN ('running', 'succeeded', 'failed')", ct,
                    P("@job", NpgsqlDbType.Text, jobId), Time("@now", now)).ConfigureAwait(false) == 0)
                return 0;
            var reopened = await ExecuteAsync(c, tx,
                "UPDATE shards SET state = 'pending', owner = NULL, lease_expires_at = NULL, not_before = @now, last_error = @reason, " +
                "output_key = NULL, row_count = 0, byte_count = 0, checksum = NULL, error_count = 0, token_count = 0, empty_text_count = 0, completed_at = NULL " +
                "WHERE job_id = @job AND shard_index = ANY(@indexes) AND state = 'done'", ct,
                P("@job", NpgsqlDbType.Text, jobId), Time("@now", now), P("@reason", NpgsqlDbType.Text, Limit(reason)),
                P("@indexes", NpgsqlDbType.Array | NpgsqlDbType.Integer, shardIndices.ToArray())).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return reopened;
        }, cancellationToken);

    private static ShardRecord ReadShard(NpgsqlDataReader r) => new(
        JobId: r.GetString(0),
        Index: r.GetInt32(1),
        SpecJson: r.GetString(2),
        State: StateNames.ParseShardState(r.GetString(3)),
        Attempt: r.GetInt32(4),
        Failures: r.GetInt32(5),
        Owner: Text(r, 6),
        LeaseExpiresAt: ReadTimeOrNull(r, 7),
        NotBefore: ReadTime(r, 8),
        LastError: Text(r, 9),
        OutputKey: Text(r, 10),
        Rows: r.GetInt64(11),
        Bytes: r.GetInt64(12),
        Checksum: Text(r, 13),
        Errors: r.GetInt64(14),
        Tokens: r.GetInt64(15),
        CompletedAt: ReadTimeOrNull(r, 16),
        EmptyTexts: r.GetInt64(17));
}
