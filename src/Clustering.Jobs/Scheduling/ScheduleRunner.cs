using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Clustering.Coordination;
using Clustering.Corpus;
using Clustering.Pipeline;
using Clustering.Storage;
using Microsoft.Extensions.Logging;

namespace Clustering.Jobs.Scheduling;

/// <summary>
/// Fires due schedules: one schedule per <see cref="StepAsync"/>, which its schedule grain calls when its reminder
/// wakes it. Each occurrence is claimed with the store's conditional advance before its job is created, so two
/// activations (one on a silo just declared dead) cannot both start it; one that stops between the two loses that
/// occurrence rather than running it twice. Occurrences missed while no silo ran are not caught up: the next one is the first after now. An occurrence is skipped
/// while the schedule's previous job has not ended, and (when the template says so) when the inputs' fingerprint
/// equals the one the last successful run started from. After a scheduled job succeeds, <c>_latest.json</c> in the
/// schedule's output names its run folder, and run folders beyond the newest N successful ones are deleted when the
/// schedule keeps N.
/// </summary>
public sealed partial class ScheduleRunner(IClusterStore store, InputStores inputs, Func<string, IBlobStore> outputs, ILogger log,
    TimeProvider? clock = null) : IScheduleOccurrences
{
    public const string ScheduledEvent = "scheduled";
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    // Schedule id → the job whose run _latest.json names (this runner wrote or found it): saves rewriting it every step.
    private readonly Dictionary<string, string> _latestWritten = new(StringComparer.Ordinal);

    public async Task<ScheduleStep?> StepAsync(string scheduleId, CancellationToken ct)
    {
        var schedule = await store.GetScheduleAsync(scheduleId, ct).ConfigureAwait(false);
        if (schedule is not { Enabled: true }) return null;
        string? started = null;
        if (schedule.NextRunAt <= _clock.GetUtcNow())
        {
            started = await FireAsync(schedule, ct).ConfigureAwait(false);
            schedule = await store.GetScheduleAsync(scheduleId, ct).ConfigureAwait(false);
            if (schedule is not { Enabled: true }) return null;
        }
        if (!RecurrenceRule.TryParse(schedule.Spec, out var rule, out var problem))
        {
            log.LogError("schedule {Schedule}: cannot fire: {Message}; disabling it", schedule.Id, problem);
            await store.UpsertScheduleAsync(schedule with { Enabled = false }, ct).ConfigureAwait(false);
            return null;
        }
        var going = false;
        if (schedule.LastJobId is { } jobId)
        {
            var last = await store.GetJobAsync(jobId, ct).ConfigureAwait(false);
            going = last is not null && !last.State.IsFinal();
            if (last is { State: JobState.Succeeded } && (!_latestWritten.TryGetValue(schedule.Id, out var written) || written != jobId))
                await MarkLatestAsync(schedule, jobId, ct).ConfigureAwait(false);
        }
        var gap = rule.Interval ?? rule.NextAfter(schedule.NextRunAt) - schedule.NextRunAt;
        return new ScheduleStep(schedule.NextRunAt, gap, started, going);
    }

    /// <summary>Fires one due occurrence; returns the job it created (pending), or null when it skipped or lost the claim.</summary>
    private async Task<string?> FireAsync(ScheduleRecord schedule, CancellationToken ct)
    {
        RecurrenceRule rule;
        ScheduleTemplate template;
        try
        {
            rule = RecurrenceRule.Parse(schedule.Spec);
            template = ScheduleTemplate.FromJson(schedule.JobTemplateJson);
        }
        catch (Exception e) when (e is ClusteringException or JsonException)
        {
            // Checked when the schedule was created; a row edited by hand is left alone, loudly, and not retried each step.
            log.LogError("schedule {Schedule}: cannot fire: {Message}; disabling it", schedule.Id, e.Message);
            await store.UpsertScheduleAsync(schedule with { Enabled = false }, ct).ConfigureAwait(false);
            return null;
        }
        var now = _clock.GetUtcNow();
        var occurrence = schedule.NextRunAt;
        var next = rule.NextAfter(now > occurrence ? now : occurrence);

        var last = schedule.LastJobId is null ? null : await store.GetJobAsync(schedule.LastJobId, ct).ConfigureAwait(false);
        if (last is not null && !last.State.IsFinal())
        {
            if (await store.TryAdvanceScheduleAsync(schedule.Id, occurrence, next, schedule.LastJobId, ct).ConfigureAwait(false))
                log.LogWarning("schedule {Schedule}: skipped the run due {At:u}: job {Job} is still {State}", schedule.Id, occurrence, last.Id, last.State.ToText());
            return null;
        }

        string? fingerprint = null;
        if (template.SkipUnchanged)
        {
            fingerprint = await FingerprintAsync(template.Job, ct).ConfigureAwait(false);
            if (fingerprint is not null && last is { State: JobState.Succeeded } && await StartedFromAsync(last.Id, ct).ConfigureAwait(false) == fingerprint)
            {
                if (await store.TryAdvanceScheduleAsync(schedule.Id, occurrence, next, schedule.LastJobId, ct).ConfigureAwait(false))
                    log.LogInformation("schedule {Schedule}: inputs unchanged since job {Job}; skipped the run due {At:u}", schedule.Id, last.Id, occurrence);
                return null;
            }
        }

        var jobId = JobSubmitter.NewJobId(now);
        if (!await store.TryAdvanceScheduleAsync(schedule.Id, occurrence, next, jobId, ct).ConfigureAwait(false)) return null; // another activation had it
        var run = ScheduleRuns.RunName(occurrence);
        var spec = template.Job with { Output = ScheduleRuns.Child(template.Job.Output, run) };
        var message = $"started by schedule {schedule.Id} for {occurrence:u} into {run}/" +
            (fingerprint is null ? "" : $"; inputs fingerprint {fingerprint}");
        await JobSubmitter.SubmitAsync(store, jobId, spec, ScheduledEvent, message, ct).ConfigureAwait(false);
        log.LogInformation("schedule {Schedule}: started job {Job} for {At:u}; next run {Next:u}", schedule.Id, jobId, occurrence, next);
        return jobId;
    }

    /// <summary>
    /// A hash over what the inputs resolve to now (each file's location, length, ETag and modification time); null
    /// when they cannot be listed: the run then goes ahead and its planning reports the problem in the job's events.
    /// </summary>
    private async Task<string?> FingerprintAsync(JobSpec spec, CancellationToken ct)
    {
        try
        {
            var resolved = await new InputResolver(inputs).ResolveAsync(spec.Inputs, ct).ConfigureAwait(false);
            var lines = resolved.Select(i => $"{i.Root}\t{i.Key}\t{i.Length}\t{i.ETag}\t{i.LastModified.UtcTicks}").Order(StringComparer.Ordinal);
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', lines))));
        }
        catch (Exception e) when (e is ClusteringException or IOException or UnauthorizedAccessException)
        {
            log.LogWarning("schedule inputs cannot be listed ({Message}); running anyway", e.Message);
            return null;
        }
    }

    /// <summary>The fingerprint a scheduled job's first event recorded, or null.</summary>
    private async Task<string?> StartedFromAsync(string jobId, CancellationToken ct)
    {
        foreach (var e in await store.ReadEventsAsync(jobId, 0, 10, ct).ConfigureAwait(false))
            if (e.Kind == ScheduledEvent && FingerprintPattern().Match(e.Message) is { Success: true } m) return m.Groups[1].Value;
        return null;
    }

    /// <summary>Once the schedule's last job has succeeded, points _latest.json at it.</summary>
    private async Task MarkLatestAsync(ScheduleRecord schedule, string jobId, CancellationToken ct)
    {
        var job = await store.GetJobAsync(jobId, ct).ConfigureAwait(false);
        if (job is null || job.State != JobState.Succeeded) return;
        ScheduleTemplate template;
        try
        {
            template = ScheduleTemplate.FromJson(schedule.JobTemplateJson);
        }
        catch (Exception e) when (e is ClusteringException or JsonException)
        {
            return; // FireAsync says why when it is next due
        }
        var runOutput = JobSpec.FromJson(job.SpecJson).Output;
        // The job grain moves a job to succeeded only once it is published; a run without _SUCCESS (a job ended by an
        // older build) is never named, so a reader following _latest.json always lands on a complete run.
        if (await outputs(runOutput).GetPropertiesAsync(OutputLayout.Success, ct).ConfigureAwait(false) is null)
        {
            log.LogWarning("schedule {Schedule}: job {Job} succeeded but its run has no {Success}; {Latest} is left as it is", schedule.Id, job.Id,
                OutputLayout.Success, ScheduleRuns.LatestKey);
            return;
        }
        var run = ScheduleRuns.RunOf(runOutput);
        using var body = new MemoryStream();
        using (var writer = new Utf8JsonWriter(body, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("schedule", schedule.Id);
            writer.WriteString("job", job.Id);
            writer.WriteString("run", run);
            writer.WriteString("manifest", run + "/_manifest.json");
            writer.WriteString("completed_at", job.UpdatedAt);
            writer.WriteEndObject();
        }
        body.Position = 0;
        var output = outputs(template.Job.Output);
        await output.WriteAsync(ScheduleRuns.LatestKey, body, cancellationToken: ct).ConfigureAwait(false);
        _latestWritten[schedule.Id] = jobId;
        log.LogInformation("schedule {Schedule}: {Latest} names run {Run} (job {Job})", schedule.Id, ScheduleRuns.LatestKey, run, job.Id);
        // Only after _latest.json names the new run: a reader following it never lands on a deleted one.
        var pruned = await ScheduleRuns.PruneAsync(output, template.Keep, ct).ConfigureAwait(false);
        if (pruned.Count > 0)
            log.LogInformation("schedule {Schedule}: deleted {Count} older run(s) beyond the newest {Keep} ({Runs})", schedule.Id, pruned.Count, template.Keep, string.Join(", ", pruned));
    }

    [GeneratedRegex("inputs fingerprint ([0-9a-f]{64})")]
    private static partial Regex FingerprintPattern();
}
