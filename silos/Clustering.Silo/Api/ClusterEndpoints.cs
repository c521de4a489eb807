using Clustering.Client;
using Clustering.Coordination;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Clustering.Silo.Api;

/// <summary>/v1/workers (the job directory grain's living workers, 503 while it does not answer), /healthz (no auth: load balancers and probes call it) and /metrics
/// (ours, then the Orleans runtime's meters).</summary>
internal static class ClusterEndpoints
{
    public static void MapCluster(this IEndpointRouteBuilder app)
    {
        // Unlike /metrics, a list without the directory would be a false answer (no workers): 503 with the reason.
        app.MapGet("/v1/workers", async (SiloCluster cluster, CancellationToken ct) =>
            await cluster.WorkersOrNullAsync(ct) is { } workers
                ? Results.Json((IReadOnlyList<WorkerView>)workers.Select(w => w.ToView()).ToList(), ApiJson.Default.IReadOnlyListWorkerView)
                : JobsEndpoints.Error(StatusCodes.Status503ServiceUnavailable,
                    $"the job directory grain did not answer within {SiloCluster.DirectoryBound.TotalSeconds:0} s (its silo may have just died: " +
                    "membership moves it once that silo is declared dead); try again"));

        // Healthy = this process serves requests. The store's reachability is in /metrics (clustering_store_up), not
        // here: a database outage must not make an orchestrator restart every silo at once.
        app.MapGet("/healthz", () => Results.Text("ok\n", "text/plain"));

        app.MapGet("/metrics", async (SiloMetrics metrics, SiloCluster cluster, IClusterStore store, ServingMetrics serving, ClusterOnlineModels online,
            OrleansMeters orleans, CancellationToken ct) =>
        {
            var text = new System.Text.StringBuilder(await metrics.RenderAsync(store, await cluster.WorkersOrNullAsync(ct), ct));
            serving.Render(text, online);
            orleans.Render(text);
            return Results.Text(text.ToString(), "text/plain; version=0.0.4; charset=utf-8");
        });
    }
}
