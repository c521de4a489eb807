using System.Globalization;
using System.Text;
using Clustering.Cluster;
using Clustering.Coordination;
using Clustering.Jobs;
using Clustering.Pipeline;

namespace Clustering.Silo;

/// <summary>
/// The silo's Prometheus metrics. Cluster-wide gauges (jobs and shards by state, per-worker documents and tokens)
/// are read at scrape time from the store and the job directory grain, so every silo reports the same cluster
/// picture; this silo's own counters (retries, commits) are kept here and labelled with the silo's name.
/// </summary>
public sealed class SiloMetrics(string siloName)
{
    /// <summary>What this silo's workers did: documents, tokens, shards committed, failed, retried (they all add to it).</summary>
    public JobProgress Progress { get; } = new();

    /// <param name="workers">The cluster's living workers, from the job directory grain; null when it did not answer
    /// (its silo just died and membership has not said so yet): the scrape still succeeds, without per-worker lines.</param>
    public async Task<string> RenderAsync(IClusterStore store, IReadOnlyList<KnownWorker>? workers, CancellationToken ct)
    {
        var text = new StringBuilder();
        var up = 1;
        IReadOnlyList<JobRecord> jobs = [];
        try
        {
            jobs = await store.ListJobsAsync(null, 10_000, ct);
        }
        catch (ClusterStoreUnavailableException)
        {
            up = 0;
        }

        Gauge(text, "clustering_store_up", "1 when this silo can read the cluster store.", up);
        Gauge(text, "clustering_worker_directory_up", "1 when the job directory grain answered this scrape (per-worker lines need it).", workers is null ? 0 : 1);
        workers ??= [];

        Header(text, "clustering_jobs", "gauge", "Jobs by state (the newest 10,000).");
        foreach (var state in Enum.GetValues<JobState>())
            Line(text, "clustering_jobs", $"state=\"{state.ToText()}\"", jobs.Count(j => j.State == state));

        Header(text, "clustering_shards", "gauge", "Shards by state, over the jobs above.");
        Line(text, "clustering_shards", "state=\"pending\"", jobs.Sum(j => (long)j.Counters.Pending));
        Line(text, "clustering_shards", "state=\"leased\"", jobs.Sum(j => (long)j.Counters.Leased));
        Line(text, "clustering_shards", "state=\"done\"", jobs.Sum(j => (long)j.Counters.Done));
        Line(text, "clustering_shards", "state=\"failed\"", jobs.Sum(j => (long)j.Counters.Failed));

        Header(text, "clustering_worker_documents_total", "counter", "Documents embedded, per worker (as it last said when asking for work).");
        foreach (var w in workers) Line(text, "clustering_worker_documents_total", WorkerLabels(w.Info), w.Info.Documents);
        Header(text, "clustering_worker_tokens_total", "counter", "Tokens embedded, per worker (as it last said when asking for work).");
        foreach (var w in workers) Line(text, "clustering_worker_tokens_total", WorkerLabels(w.Info), w.Info.Tokens);

        var silo = $"silo=\"{Escape(siloName)}\"";
        var here = Progress.Snapshot();
        Header(text, "clustering_shard_retries_total", "counter", "Shard attempts that failed on this silo and went back for a retry.");
        Line(text, "clustering_shard_retries_total", silo, here.Retries);
        Header(text, "clustering_shards_committed_total", "counter", "Shards committed by this silo's workers.");
        Line(text, "clustering_shards_committed_total", silo, here.ShardsDone);
        Header(text, "clustering_shards_failed_total", "counter", "Shards that failed for good (max_attempts reached) on this silo's workers.");
        Line(text, "clustering_shards_failed_total", silo, here.ShardsFailed);
        Header(text, "clustering_silo_documents_total", "counter", "Documents embedded by this silo since it started (committed or not).");
        Line(text, "clustering_silo_documents_total", silo, here.Documents);
        Header(text, "clustering_silo_tokens_total", "counter", "Tokens embedded by this silo since it started.");
        Line(text, "clustering_silo_tokens_total", silo, here.Tokens);
        return text.ToString();
    }

    private static string WorkerLabels(WorkerInfo w) =>
        $"worker=\"{Escape(w.Id)}\",silo=\"{Escape(w.SiloName)}\",device=\"{Escape(w.DeviceKind)}\"";

    private static void Gauge(StringBuilder text, string name, string help, long value)
    {
        Header(text, name, "gauge", help);
        Line(text, name, null, value);
    }

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Line(StringBuilder text, string name, string? labels, long value)
    {
        text.Append(name);
        if (labels is not null) text.Append('{').Append(labels).Append('}');
        text.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    // Prometheus label values escape backslash, double quote and newline.
    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
