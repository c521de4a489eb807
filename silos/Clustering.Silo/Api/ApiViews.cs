using Clustering.Client;
using Clustering.Coordination;

namespace Clustering.Silo.Api;

/// <summary>Store records → API views. The spec JSON stays inside (it names paths on the silos, not for listing).</summary>
internal static class ApiViews
{
    public static JobView ToView(this JobRecord job, IReadOnlyList<ShardRecord>? shards = null, string? error = null)
    {
        var c = job.Counters;
        var errors = shards is null
            ? []
            : shards.Where(s => s.LastError is not null && s.State is ShardState.Failed or ShardState.Pending)
                .Select(s => new ShardErrorView(s.Index, s.State.ToText(), s.Failures, s.LastError!))
                .ToList();
        return new JobView(job.Id, job.State.ToText(), job.CreatedAt, job.UpdatedAt, job.ModelId, job.OutputLocation,
            job.MaxAttempts, job.AllowedFailedShards,
            new JobCountersView(c.Shards, c.Pending, c.Leased, c.Done, c.Failed, c.Rows, c.Bytes, c.Tokens, c.Errors), errors, error);
    }

    public static ShardView ToView(this ShardRecord s) =>
        new(s.Index, s.State.ToText(), s.Attempt, s.Failures, s.Owner, s.LeaseExpiresAt, s.NotBefore, s.LastError, s.OutputKey,
            s.Rows, s.Bytes, s.Tokens, s.Errors, s.CompletedAt);

    public static WorkerView ToView(this Cluster.KnownWorker known)
    {
        var w = known.Info;
        return new(w.Id, w.SiloName, w.DeviceKind, w.GpuName, w.GpuMemoryBytes, w.ModelsLoaded, known.FirstSeen, known.LastSeen, w.Documents, w.Tokens);
    }

    public static JobEventView ToView(this JobEvent e) => new(e.Id, e.At, e.Kind, e.Message);

    public static ScheduleView ToView(this ScheduleRecord s)
    {
        try
        {
            var template = Jobs.Scheduling.ScheduleTemplate.FromJson(s.JobTemplateJson);
            return new ScheduleView(s.Id, s.Spec, s.Enabled, template.SkipUnchanged, template.Keep, s.NextRunAt, s.LastRunAt, s.LastJobId,
                template.Job.Model, template.Job.Output);
        }
        catch (Exception e) when (e is ClusteringException or System.Text.Json.JsonException)
        {
            // A row changed behind the API's back: listed (the runner has disabled it) rather than failing the whole list.
            var unreadable = $"(unreadable job template: {(e is System.Text.Json.JsonException json ? JsonErrorText.Reason(json) : e.Message)})";
            return new ScheduleView(s.Id, s.Spec, s.Enabled, false, 0, s.NextRunAt, s.LastRunAt, s.LastJobId, unreadable, unreadable);
        }
    }
}
