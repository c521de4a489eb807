using System.Text.Json;
using Clustering.Client;
using Clustering.Cluster;
using Clustering.Cluster.Streaming;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using static Clustering.Silo.Api.JobsEndpoints;

namespace Clustering.Silo.Api;

/// <summary>/v1/streams: create, list, show, pause, resume, delete stream jobs (their grains do the work).</summary>
internal static class StreamsEndpoints
{
    public const int DefaultWindowDocs = 10_000;
    public const double DefaultWindowSeconds = 30;

    public static void MapStreams(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/streams", CreateAsync).WithMetadata(new RequestSizeLimitAttribute(ApiInput.MaxSpecBytes));
        app.MapGet("/v1/streams", ListAsync);
        app.MapGet("/v1/streams/{name}", GetAsync);
        app.MapPost("/v1/streams/{name}/pause", (string name, IGrainFactory grains, SiloOptions options, CancellationToken ct) =>
            ChangeAsync(name, grains, options, g => g.Pause(), ct));
        app.MapPost("/v1/streams/{name}/resume", (string name, IGrainFactory grains, SiloOptions options, CancellationToken ct) =>
            ChangeAsync(name, grains, options, g => g.Resume(), ct));
        app.MapDelete("/v1/streams/{name}", DeleteAsync);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, IGrainFactory grains, SiloOptions options, JobPathPolicy paths, CancellationToken ct)
    {
        var (text, refused) = await ReadJsonBodyAsync(request, "stream", ct);
        if (refused is not null) return refused;
        StreamJobDefinition definition;
        try
        {
            var body = JsonSerializer.Deserialize(text!, ApiJson.Default.NewStream);
            if (body?.Name is null || body.Source is null || body.Job.ValueKind != JsonValueKind.Object)
                return Error(StatusCodes.Status400BadRequest, "stream: expected {\"name\": ..., \"source\": ..., \"job\": {job spec}}");
            if (NameProblem(body.Name) is { } problem) return Error(StatusCodes.Status400BadRequest, problem);
            var source = StreamSource.Parse(body.Source);
            if (NotReadHere(options, source) is { } notRead) return notRead;
            var spec = JobSpec.FromJson(body.Job.GetRawText()) with { Inputs = [source.Uri] };
            spec.Validate();
            paths.Check(spec);
            if (ApiInput.ModelFolderProblem(spec) is { } model) return Error(StatusCodes.Status400BadRequest, model);
            var windowDocs = body.WindowDocs ?? DefaultWindowDocs;
            var windowSeconds = body.WindowSeconds ?? DefaultWindowSeconds;
            if (windowDocs is < 1 or > 10_000_000) return Error(StatusCodes.Status400BadRequest, $"window_docs: 1 to 10,000,000 events (got {windowDocs})");
            if (!(windowSeconds is >= 0.1 and <= 86_400)) return Error(StatusCodes.Status400BadRequest, $"window_seconds: 0.1 to 86,400 (got {windowSeconds})");
            definition = new StreamJobDefinition(body.Name, source.Uri, spec.ToJson(), windowDocs, windowSeconds);
        }
        catch (JsonException e)
        {
            return Error(StatusCodes.Status400BadRequest, ApiInput.NotValidJson("stream", e));
        }
        catch (ClusteringException e)
        {
            return Error(StatusCodes.Status400BadRequest, "stream: " + e.Message);
        }
        var job = grains.GetGrain<IStreamJobGrain>(definition.Name);
        try
        {
            var existing = await job.Status().WaitAsync(ct);
            var status = await job.Create(definition).WaitAsync(ct);
            return Results.Json(ToView(status), ApiJson.Default.StreamView,
                statusCode: existing.State == "absent" ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }
        catch (StreamJobException e)
        {
            return Error(e.Message.Contains(" exists ", StringComparison.Ordinal) ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest, e.Message);
        }
    }

    private static async Task<IResult> ListAsync(IGrainFactory grains, SiloOptions options, CancellationToken ct)
    {
        IReadOnlyList<StreamView> views = SiloStreams.Sources(options).Count == 0
            ? []
            : [.. (await grains.GetGrain<IStreamDirectoryGrain>(0).List().WaitAsync(ct)).Select(ToView)];
        return Results.Json(views, ApiJson.Default.IReadOnlyListStreamView);
    }

    private static async Task<IResult> GetAsync(string name, IGrainFactory grains, SiloOptions options, CancellationToken ct)
    {
        var (status, refused) = await FindAsync(name, grains, options, ct);
        return status is null ? refused! : Results.Json(ToView(status), ApiJson.Default.StreamView);
    }

    private static async Task<IResult> ChangeAsync(string name, IGrainFactory grains, SiloOptions options, Func<IStreamJobGrain, Task<StreamJobStatus>> change,
        CancellationToken ct)
    {
        var (found, refused) = await FindAsync(name, grains, options, ct);
        if (found is null) return refused!;
        try
        {
            return Results.Json(ToView(await change(grains.GetGrain<IStreamJobGrain>(name)).WaitAsync(ct)), ApiJson.Default.StreamView);
        }
        catch (StreamJobException e)
        {
            return Error(StatusCodes.Status409Conflict, e.Message);
        }
    }

    private static async Task<IResult> DeleteAsync(string name, IGrainFactory grains, SiloOptions options, CancellationToken ct)
    {
        var (found, refused) = await FindAsync(name, grains, options, ct);
        if (found is null) return refused!;
        var deleted = await grains.GetGrain<IStreamJobGrain>(name).Delete().WaitAsync(ct);
        return deleted
            ? Results.Json(new DeletedStream(name, true), ApiJson.Default.DeletedStream)
            : Error(StatusCodes.Status404NotFound, $"no stream job {name}");
    }

    /// <summary>The job's status, or the answer that refuses the request (a bad name, no such job, no sources here).</summary>
    private static async Task<(StreamJobStatus? Status, IResult? Refused)> FindAsync(string name, IGrainFactory grains, SiloOptions options, CancellationToken ct)
    {
        if (NameProblem(name) is { } problem) return (null, Error(StatusCodes.Status400BadRequest, problem));
        if (SiloStreams.Sources(options).Count == 0) return (null, Error(StatusCodes.Status404NotFound, $"no stream job {name} (this silo reads no stream sources: --stream-sources)"));
        var status = await grains.GetGrain<IStreamJobGrain>(name).Status().WaitAsync(ct);
        return status.State == "absent" ? (null, Error(StatusCodes.Status404NotFound, $"no stream job {name}")) : (status, null);
    }

    private static IResult? NotReadHere(SiloOptions options, StreamSource source)
    {
        var configured = SiloStreams.Sources(options);
        if (configured.Any(s => s.Uri == source.Uri)) return null;
        var names = configured.Count == 0 ? "none; start the silos with --stream-sources" : string.Join(", ", configured.Select(s => s.Uri));
        return Error(StatusCodes.Status400BadRequest, $"stream: --source {source.Uri}: not read by this cluster's silos (configured: {names})");
    }

    /// <summary>Stream job names name grains and catalog objects: 1 to 64 of A-Z a-z 0-9 . _ - (not "." or "..").</summary>
    public static string? NameProblem(string name) =>
        name.Length is 0 or > 64 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || name is "." or ".."
            ? "stream name: 1 to 64 characters of A-Z a-z 0-9 . _ -"
            : null;

    private static StreamView ToView(StreamJobStatus s) =>
        new(s.Name, s.Source, s.Output, s.State, s.WindowDocs, s.WindowSeconds, s.CommittedWindows, s.LatestWindow, s.CommittedEvents, s.CommittedErrors,
            s.LagEvents, s.LagSeconds, s.EventsPerSecond, s.Redelivered, s.LastError, s.Silo);
}
