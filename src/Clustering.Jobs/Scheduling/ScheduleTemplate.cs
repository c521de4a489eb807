using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Clustering.Jobs.Scheduling;

/// <summary>
/// What a schedule starts each time it fires: the job spec (its output is the schedule's folder; each run writes to a
/// subfolder named by the occurrence) and whether an occurrence is skipped when the inputs have not changed since the
/// last run that succeeded, and how many successful runs to keep (0: all; older run folders are deleted once a newer
/// run has succeeded). Kept in the store's job_template column as
/// <c>{"job": SPEC, "skip_unchanged": BOOL, "keep": N}</c>.
/// </summary>
public sealed record ScheduleTemplate(JobSpec Job, bool SkipUnchanged = true, int Keep = 0)
{
    public const int MaxKeep = 10_000;

    /// <summary>Schedule ids name output history and appear in URLs: [a-z0-9][a-z0-9._-]{0,62}.</summary>
    public static string? IdProblem(string id) =>
        id.Length is 0 or > 63 || !char.IsAsciiLetterLower(id[0]) && !char.IsAsciiDigit(id[0]) || id.AsSpan().ContainsAnyExcept(IdChars)
            ? $"schedule id '{(id.Length > 70 ? id[..70] + "..." : id)}': 1 to 63 characters of a-z 0-9 . _ -, starting with a letter or digit"
            : null;

    private static readonly SearchValues<char> IdChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-_.");

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("job");
            writer.WriteRawValue(Job.ToJson());
            writer.WriteBoolean("skip_unchanged", SkipUnchanged);
            writer.WriteNumber("keep", Keep);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static ScheduleTemplate FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("job", out var job) || job.ValueKind != JsonValueKind.Object)
            throw new ClusteringException("schedule template: expected {\"job\": {...}, \"skip_unchanged\": true|false}");
        var skip = !root.TryGetProperty("skip_unchanged", out var s) || s.ValueKind != JsonValueKind.False;
        var keep = root.TryGetProperty("keep", out var k) && k.TryGetInt32(out var n) ? n : 0;
        return new ScheduleTemplate(JobSpec.FromJson(job.GetRawText()), skip, keep);
    }
}
