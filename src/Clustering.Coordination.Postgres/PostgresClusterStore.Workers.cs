using NpgsqlTypes;

namespace Clustering.Coordination.Postgres;

public sealed partial class PostgresClusterStore
{
    public Task RegisterWorkerAsync(WorkerRegistration w, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(w.Id);
        return RunAsync("register worker " + w.Id, (c, ct) => ExecuteAsync(c, null,
            "INSERT INTO workers (id, silo_name, device_kind, gpu_name, gpu_memory_bytes, models_loaded, registered_at, last_heartbeat) " +
            "VALUES (@id, @silo, @kind, @gpu, @memory, @models, @now, @now) ON CONFLICT (id) DO UPDATE SET silo_name = excluded.silo_name, " +
            "device_kind = excluded.device_kind, gpu_name = excluded.gpu_name, gpu_memory_bytes = excluded.gpu_memory_bytes, " +
            "models_loaded = excluded.models_loaded, last_heartbeat = excluded.last_heartbeat", ct,
            P("@id", NpgsqlDbType.Text, w.Id), P("@silo", NpgsqlDbType.Text, w.SiloName), P("@kind", NpgsqlDbType.Text, w.DeviceKind.ToLowerInvariant()),
            P("@gpu", NpgsqlDbType.Text, w.GpuName), P("@memory", NpgsqlDbType.Bigint, w.GpuMemoryBytes),
            P("@models", NpgsqlDbType.Text, ModelsJson(w.ModelsLoaded)), Time("@now", _options.Now())), cancellationToken);
    }

    public Task<bool> HeartbeatAsync(string workerId, IReadOnlyCollection<string> modelsLoaded, long documents, long tokens, CancellationToken cancellationToken = default) =>
        RunAsync("heartbeat of " + workerId, async (c, ct) => await ExecuteAsync(c, null,
            "UPDATE workers SET last_heartbeat = @now, models_loaded = @models, documents = @documents, tokens = @tokens WHERE id = @id", ct,
            Time("@now", _options.Now()), P("@models", NpgsqlDbType.Text, ModelsJson(modelsLoaded)), P("@documents", NpgsqlDbType.Bigint, documents),
            P("@tokens", NpgsqlDbType.Bigint, tokens), P("@id", NpgsqlDbType.Text, workerId)).ConfigureAwait(false) == 1, cancellationToken);

    public Task<IReadOnlyList<WorkerRecord>> ListWorkersAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<WorkerRecord>>("list workers", async (c, ct) =>
        {
            await using var cmd = Command(c, null,
                "SELECT id, silo_name, device_kind, gpu_name, gpu_memory_bytes, models_loaded, registered_at, last_heartbeat, documents, tokens FROM workers ORDER BY silo_name, id");
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var list = new List<WorkerRecord>();
            while (await r.ReadAsync(ct).ConfigureAwait(false))
                list.Add(new WorkerRecord(r.GetString(0), r.GetString(1), r.GetString(2), Text(r, 3), r.GetInt64(4), ModelsFromJson(r.GetString(5)),
                    ReadTime(r, 6), ReadTime(r, 7), r.GetInt64(8), r.GetInt64(9)));
            return list;
        }, cancellationToken);

    public Task<bool> RemoveWorkerAsync(string workerId, CancellationToken cancellationToken = default) =>
        RunAsync("remove worker " + workerId, async (c, ct) => await ExecuteAsync(c, null, "DELETE FROM workers WHERE id = @id", ct,
            P("@id", NpgsqlDbType.Text, workerId)).ConfigureAwait(false) == 1, cancellationToken);
}
