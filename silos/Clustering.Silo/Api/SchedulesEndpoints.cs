using System.Text.Json;
using Clustering.Client;
using Clustering.Coordination;
using Clustering.Jobs.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using static Clustering.Silo.Api.JobsEndpoints;

namespace Clustering.Silo.Api;

/// <summary>/v1/schedules: create, list, get, delete. Each schedule's grain fires it when its reminder wakes it.</summary>
internal static class SchedulesEndpoints
{
    public static void MapSchedules(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/schedules", CreateAsync).WithMetadata(new RequestSizeLimitAttribute(ApiInput.MaxSpecBytes));
        app.MapGet("/v1/schedules", ListAsync);
        app.MapGet("/v1/schedules/{id}", GetAsync);
        app.MapDelete("/v1/schedules/{id}", DeleteAsync);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, IClusterStore store, JobPathPolicy paths, SiloOptions options, SiloCluster cluster,
        CancellationToken ct)
    {
        var (text, refused) = await ReadJsonBodyAsync(request, "schedule", ct);
        if (refused is not null) return refused;
        NewSchedule? body;
        JobSpec spec;
        RecurrenceRule rule;
        try
        {
            body = JsonSerializer.Deserialize(text!, ApiJson.Default.NewSchedule);
            if (body?.Id is null || body.Rule is null || body.Job.ValueKind != JsonValueKind.Object)
                return Error(StatusCodes.Status400BadRequest, "schedule: expected {\"id\": ..., \"rule\": ..., \"job\": {job spec}}");
            if (ScheduleTemplate.IdProblem(body.Id) is { } problem) return Error(StatusCodes.Status400BadRequest, problem);
            if (!RecurrenceRule.TryParse(body.Rule, out var parsed, out var ruleError)) return Error(StatusCodes.Status400BadRequest, ruleError!);
            rule = parsed!;
            if (TooFrequent(rule, options.ScheduleMinimumPeriod) is { } tooFrequent) return Error(StatusCodes.Status400BadRequest, tooFrequent);
            if (body.Keep is < 0 or > ScheduleTemplate.MaxKeep)
                return Error(StatusCodes.Status400BadRequest, $"keep: 0 (all) to {ScheduleTemplate.MaxKeep} runs, not {body.Keep}");
            spec = JobSpec.FromJson(body.Job.GetRawText());
            spec.Validate();
            paths.Check(spec);
        }
        catch (JsonException e)
        {
            return Error(StatusCodes.Status400BadRequest, ApiInput.NotValidJson("schedule", e));
        }
        catch (ClusteringException e)
        {
            return Error(StatusCodes.Status400BadRequest, "schedule job: " + e.Message);
        }
        // Refused now, as a submitted job's is, rather than every occurrence failing.
        if (ApiInput.ModelFolderProblem(spec) is { } model) return Error(StatusCodes.Status400BadRequest, model);
        if (await store.GetScheduleAsync(body.Id, ct) is not null)
            return Error(StatusCodes.Status409Conflict, $"schedule {body.Id} exists; delete it first to change it");
        var record = new ScheduleRecord(body.Id, rule.Text, new ScheduleTemplate(spec, body.SkipUnchanged ?? true, body.Keep ?? 0).ToJson(),
            rule.NextAfter(DateTimeOffset.UtcNow));
        await store.UpsertScheduleAsync(record, ct);
        await cluster.ArmScheduleAsync(record.Id, ct);
        return Results.Json(record.ToView(), ApiJson.Default.ScheduleView, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>
    /// Schedules are Orleans reminders, which fire at most once a minute: a rule that fires more often is refused, not
    /// rounded up (a schedule would silently run less often than it says). Cron rules fire at most once a minute anyway.
    /// </summary>
    internal static string? TooFrequent(RecurrenceRule rule, TimeSpan minimum) =>
        rule.Interval is { } every && every < minimum
            ? $"schedule \"{rule.Text}\": fires every {every.TotalSeconds:0} s, more often than the shortest period a schedule may have " +
              $"({minimum.TotalSeconds:0} s: schedules are Orleans reminders); use @every {(minimum.TotalSeconds % 60 == 0 ? $"{minimum.TotalMinutes:0}m" : $"{minimum.TotalSeconds:0}s")} or longer"
            : null;

    private static async Task<IResult> ListAsync(IClusterStore store, CancellationToken ct) =>
        Results.Json((IReadOnlyList<ScheduleView>)(await store.ListSchedulesAsync(ct)).Select(s => s.ToView()).ToList(),
            ApiJson.Default.IReadOnlyListScheduleView);

    private static async Task<IResult> GetAsync(string id, IClusterStore store, CancellationToken ct)
    {
        if (ScheduleTemplate.IdProblem(id) is { } problem) return Error(StatusCodes.Status400BadRequest, problem);
        return await store.GetScheduleAsync(id, ct) is { } schedule
            ? Results.Json(schedule.ToView(), ApiJson.Default.ScheduleView)
            : Error(StatusCodes.Status404NotFound, $"no schedule {id}");
    }

    private static async Task<IResult> DeleteAsync(string id, IClusterStore store, SiloCluster cluster, CancellationToken ct)
    {
        if (ScheduleTemplate.IdProblem(id) is { } problem) return Error(StatusCodes.Status400BadRequest, problem);
        var schedule = await store.GetScheduleAsync(id, ct);
        if (schedule is null || !await store.DeleteScheduleAsync(id, ct)) return Error(StatusCodes.Status404NotFound, $"no schedule {id}");
        await cluster.ArmScheduleAsync(id, ct); // removes its reminder
        return Results.Json(schedule.ToView(), ApiJson.Default.ScheduleView);
    }
}
