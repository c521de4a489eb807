using System.Text.Json;
using Clustering.Client;
using Clustering.Coordination;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Clustering.Silo.Api;

/// <summary>
/// GET /v1/jobs/{id}/events: the job's history as server-sent events (id = event id, event = kind, data = JSON),
/// then new events as they are appended, until the job ends (a final "end" event) or the client goes away.
/// Resumable: Last-Event-ID (or ?after=N) starts after that event. Events live in the store, so any silo can serve
/// any job's stream and a reconnect to another silo continues where it stopped.
/// </summary>
internal static class EventsEndpoint
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static void MapEvents(this IEndpointRouteBuilder app) => app.MapGet("/v1/jobs/{id}/events", StreamAsync);

    private static async Task StreamAsync(string id, HttpContext context, IClusterStore store, IHostApplicationLifetime lifetime, CancellationToken requestAborted)
    {
        // End streams when the silo stops, so they do not hold its shutdown; clients resume on another silo.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, lifetime.ApplicationStopping);
        var ct = linked.Token;
        if (ApiInput.JobIdProblem(id) is { } problem)
        {
            await JobsEndpoints.Error(StatusCodes.Status400BadRequest, problem).ExecuteAsync(context);
            return;
        }
        var resumeFrom = context.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? context.Request.Query["after"].FirstOrDefault();
        if (!ApiInput.TryParseEventId(resumeFrom, out var lastId))
        {
            await JobsEndpoints.Error(StatusCodes.Status400BadRequest, "Last-Event-ID: a non-negative event id").ExecuteAsync(context);
            return;
        }
        if (await store.GetJobAsync(id, ct) is null)
        {
            await JobsEndpoints.NotFound(id).ExecuteAsync(context);
            return;
        }

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // proxies must not hold events back
        await response.Body.FlushAsync(ct);

        var quietSince = DateTime.UtcNow;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                // Read the job's state before the events: an event appended after a final state is then still sent.
                var job = await store.GetJobAsync(id, ct);
                var events = await store.ReadEventsAsync(id, lastId, 500, ct);
                foreach (var e in events)
                {
                    await WriteAsync(response, $"id: {e.Id}\nevent: {SingleLine(e.Kind)}\ndata: {JsonSerializer.Serialize(e.ToView(), ApiJson.Default.JobEventView)}\n\n", ct);
                    lastId = e.Id;
                }
                if (events.Count > 0)
                {
                    await response.Body.FlushAsync(ct);
                    quietSince = DateTime.UtcNow;
                    if (events.Count == 500) continue; // more history waiting
                }
                if (job is null || job.State.IsFinal())
                {
                    await WriteAsync(response, $"event: end\ndata: {job?.State.ToText() ?? "gone"}\n\n", ct);
                    await response.Body.FlushAsync(ct);
                    return;
                }
                if (DateTime.UtcNow - quietSince > KeepAlive)
                {
                    await WriteAsync(response, ": keep-alive\n\n", ct);
                    await response.Body.FlushAsync(ct);
                    quietSince = DateTime.UtcNow;
                }
                await Task.Delay(Poll, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the client left, or the silo is stopping: the client resumes with Last-Event-ID
        }
    }

    private static Task WriteAsync(HttpResponse response, string text, CancellationToken ct) => response.WriteAsync(text, ct);

    // An SSE field cannot span lines; kinds come from our own code, but a newline would split the event.
    private static string SingleLine(string s) => s.Replace('\n', ' ').Replace('\r', ' ');
}
