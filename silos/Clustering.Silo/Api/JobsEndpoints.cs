using System.Text;
using System.Text.Json;
using Clustering.Client;
using Clustering.Coordination;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Clustering.Silo.Api;

/// <summary>/v1/jobs: submit, list, get, cancel, shards.</summary>
internal static class JobsEndpoints
{
    public static void MapJobs(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/jobs", SubmitAsync).WithMetadata(new RequestSizeLimitAttribute(ApiInput.MaxSpecBytes));
        app.MapGet("/v1/jobs", ListAsync);
        app.MapGet("/v1/jobs/{id}", GetAsync);
        app.MapPost("/v1/jobs/{id}/cancel", CancelAsync);
        app.MapGet("/v1/jobs/{id}/shards", ShardsAsync);
    }

    private static async Task<IResult> SubmitAsync(HttpRequest request, SiloCluster cluster, JobPathPolicy paths, CancellationToken ct)
    {
        var (body, refused) = await ReadJsonBodyAsync(request, "job spec", ct);
        if (refused is not null) return refused;
        JobSpec spec;
        try
        {
            spec = JobSpec.FromJson(body!);
            spec.Validate();
            paths.Check(spec);
            Hosting.OutputPlacement.CheckApart(spec);
        }
        catch (JsonException e)
        {
            return Error(StatusCodes.Status400BadRequest, ApiInput.NotValidJson("job spec", e));
        }
        catch (ClusteringException e)
        {
            return Error(StatusCodes.Status400BadRequest, "job spec: " + e.Message);
        }
        // Before anything is planned or recorded: a bad model folder would otherwise fail every shard, after retries.
        if (ApiInput.ModelFolderProblem(spec) is { } model) return Error(StatusCodes.Status400BadRequest, model);
        var id = await cluster.SubmitAsync(spec, ct);
        return Results.Json(new SubmittedJob(id, JobStates.Pending), ApiJson.Default.SubmittedJob, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(HttpRequest request, IClusterStore store, CancellationToken ct)
    {
        if (!ApiInput.TryParseState(request.Query["state"], out var state, out var problem))
            return Error(StatusCodes.Status400BadRequest, problem!);
        var limit = 100;
        if (request.Query.TryGetValue("limit", out var limitText) &&
            (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
            return Error(StatusCodes.Status400BadRequest, "limit: 1 to 1000");
        var jobs = await store.ListJobsAsync(state, limit, ct);
        return Results.Json((IReadOnlyList<JobView>)jobs.Select(j => j.ToView()).ToList(), ApiJson.Default.IReadOnlyListJobView);
    }

    private static async Task<IResult> GetAsync(string id, IClusterStore store, CancellationToken ct)
    {
        if (ApiInput.JobIdProblem(id) is { } problem) return Error(StatusCodes.Status400BadRequest, problem);
        var job = await store.GetJobAsync(id, ct);
        if (job is null) return NotFound(id);
        var shards = await store.ListShardsAsync(id, ct);
        return Results.Json(job.ToView(shards, await FailureOfAsync(job, store, ct)), ApiJson.Default.JobView);
    }

    private static async Task<IResult> CancelAsync(string id, SiloCluster cluster, IClusterStore store, CancellationToken ct)
    {
        if (ApiInput.JobIdProblem(id) is { } problem) return Error(StatusCodes.Status400BadRequest, problem);
        var job = await store.GetJobAsync(id, ct);
        if (job is null) return NotFound(id);
        if (!await cluster.CancelAsync(id, ct))
        {
            job = await store.GetJobAsync(id, ct);
            return Error(StatusCodes.Status409Conflict, $"job {id} has already ended ({job?.State.ToText() ?? "gone"})");
        }
        job = await store.GetJobAsync(id, ct);
        return Results.Json(job!.ToView(), ApiJson.Default.JobView);
    }

    private static async Task<IResult> ShardsAsync(string id, IClusterStore store, CancellationToken ct)
    {
        if (ApiInput.JobIdProblem(id) is { } problem) return Error(StatusCodes.Status400BadRequest, problem);
        if (await store.GetJobAsync(id, ct) is null) return NotFound(id);
        var shards = await store.ListShardsAsync(id, ct);
        return Results.Json((IReadOnlyList<ShardView>)shards.Select(s => s.ToView()).ToList(), ApiJson.Default.IReadOnlyListShardView);
    }

    /// <summary>Why a failed job failed: its last "failed" event (the job grain writes the reason there).</summary>
    private static async Task<string?> FailureOfAsync(JobRecord job, IClusterStore store, CancellationToken ct)
    {
        if (job.State != JobState.Failed) return null;
        string? reason = null;
        long after = 0;
        while (true)
        {
            var events = await store.ReadEventsAsync(job.Id, after, 1000, ct);
            foreach (var e in events)
                if (e.Kind == "failed") reason = e.Message;
            if (events.Count < 1000) return reason;
            after = events[^1].Id;
        }
    }

    internal static IResult Error(int status, string message) => Results.Json(new ApiError(message), ApiJson.Default.ApiError, statusCode: status);

    internal static IResult NotFound(string id) => Error(StatusCodes.Status404NotFound, $"no job {id}");

    /// <summary>
    /// A JSON request body as text, at most <see cref="ApiInput.MaxSpecBytes"/> bytes of UTF-8; or the answer that refuses
    /// it (413 too large, 415 not JSON, 400 invalid UTF-8), naming <paramref name="what"/>.
    /// </summary>
    internal static async Task<(string? Body, IResult? Refused)> ReadJsonBodyAsync(HttpRequest request, string what, CancellationToken ct)
    {
        if (request.ContentLength > ApiInput.MaxSpecBytes)
            return (null, Error(StatusCodes.Status413PayloadTooLarge, $"{what}: at most {ApiInput.MaxSpecBytes} bytes"));
        if (!(request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return (null, Error(StatusCodes.Status415UnsupportedMediaType, $"{what}: send it as application/json"));
        // Chunked bodies carry no Content-Length: count while reading.
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > ApiInput.MaxSpecBytes)
                return (null, Error(StatusCodes.Status413PayloadTooLarge, $"{what}: at most {ApiInput.MaxSpecBytes} bytes"));
            buffer.Write(chunk, 0, read);
        }
        try
        {
            return (new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length), null);
        }
        catch (DecoderFallbackException e)
        {
            return (null, Error(StatusCodes.Status400BadRequest, $"{what}: invalid UTF-8 at byte {e.Index}"));
        }
    }
}
