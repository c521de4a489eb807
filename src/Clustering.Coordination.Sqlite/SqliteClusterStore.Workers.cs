using Microsoft.Data.Sqlite;

namespace Clustering.Coordination.Sqlite;

public sealed partial class SqliteClusterStore
{
    public Task RegisterWorkerAsync(WorkerRegistration w, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(w.Id);
        return Run(() => Write((c, tx) => Execute(c, tx,
            "INSERT INTO workers (id, silo_name, device_kind, gpu_name, gpu_memory_bytes, models_loaded, registered_at, last_heartbeat) " +
            "VALUES (@id, @silo, @kind, @gpu, @memory, @models, @now, @now) ON CONFLICT (id) DO UPDATE SET silo_name = excluded.silo_name, " +
            "device_kind = excluded.device_kind, gpu_name = excluded.gpu_name, gpu_memory_bytes = excluded.gpu_memory_bytes, " +
            "models_loaded = excluded.models_loaded, last_heartbeat = excluded.last_heartbeat",
            ("@id", w.Id), ("@silo", w.SiloName), ("@kind", w.DeviceKind.ToLowerInvariant()), ("@gpu", w.GpuName), ("@memory", w.GpuMemoryBytes),
            ("@models", ModelsJson(w.ModelsLoaded)), ("@now", Ms(_options.Now())))), cancellationToken);
    }

    public Task<bool> HeartbeatAsync(string workerId, IReadOnlyCollection<string> modelsLoaded, long documents, long tokens, CancellationToken cancellationToken = default) =>
        Run(() => Write((c, tx) => Execute(c, tx,
            "UPDATE workers SET last_heartbeat = @now, models_loaded = @models, documents = @documents, tokens = @tokens WHERE id = @id",
            ("@now", Ms(_options.Now())), ("@models", ModelsJson(modelsLoaded)), ("@documents", documents), ("@tokens", tokens), ("@id", workerId)) == 1),
            cancellationToken);

    public Task<IReadOnlyList<WorkerRecord>> ListWorkersAsync(CancellationToken cancellationToken = default) =>
        Run<IReadOnlyList<WorkerRecord>>(() => Read(c =>
        {
            using var cmd = Command(c, null,
                "SELECT id, silo_name, device_kind, gpu_name, gpu_memory_bytes, models_loaded, registered_at, last_heartbeat, documents, tokens FROM workers ORDER BY silo_name, id");
            using var r = cmd.ExecuteReader();
            var list = new List<WorkerRecord>();
            while (r.Read())
                list.Add(new WorkerRecord(r.GetString(0), r.GetString(1), r.GetString(2), Text(r, 3), r.GetInt64(4), ModelsFromJson(r.GetString(5)),
                    FromMs(r.GetInt64(6)), FromMs(r.GetInt64(7)), r.GetInt64(8), r.GetInt64(9)));
            return list;
        }), cancellationToken);

    public Task<bool> RemoveWorkerAsync(string workerId, CancellationToken cancellationToken = default) =>
        Run(() => Write((c, tx) => Execute(c, tx, "DELETE FROM workers WHERE id = @id", ("@id", workerId)) == 1), cancellationToken);
}
