using System.Buffers;
using Clustering.Coordination;

namespace Clustering.Silo.Api;

/// <summary>Checks on what arrives from outside in paths, queries and headers, before anything reaches the store.</summary>
internal static class ApiInput
{
    public const int MaxJobIdChars = 200;
    public const int MaxSpecBytes = 1 << 20;

    private static readonly SearchValues<char> JobIdChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    /// <summary>Job ids are [A-Za-z0-9._-]{1,200} (they name output folders); anything else is refused before the store sees it.</summary>
    public static string? JobIdProblem(string id) =>
        id.Length is 0 or > MaxJobIdChars || id.AsSpan().ContainsAnyExcept(JobIdChars) || id is "." or ".."
            ? $"job id: 1 to {MaxJobIdChars} characters of A-Z a-z 0-9 . _ -"
            : null;

    public static bool TryParseState(string? text, out JobState? state, out string? problem)
    {
        state = null;
        problem = null;
        if (string.IsNullOrEmpty(text)) return true;
        try
        {
            state = StateNames.ParseJobState(text);
            return true;
        }
        catch (ClusteringException)
        {
            problem = $"state '{(text.Length > 40 ? text[..40] + "..." : text)}': one of pending, planning, running, succeeded, failed, cancelled";
            return false;
        }
    }

    /// <summary>
    /// The model folder of <paramref name="spec"/> checked as a worker will load it (<see cref="Jobs.ModelFolderCheck"/>,
    /// the check `embedctl run` makes), so a bad folder is refused at submit instead of by every shard. The message is
    /// run's own (`&lt;file&gt; (&lt;field&gt;): &lt;reason&gt;`), without a prefix: it names the file. Null when the folder is
    /// good or the model is a URI (read where it is loaded).
    /// </summary>
    public static string? ModelFolderProblem(JobSpec spec)
    {
        if (spec.Model.Contains("://", StringComparison.Ordinal)) return null;
        try
        {
            Jobs.ModelFolderCheck.Check(spec);
            return null;
        }
        catch (ClusteringException e)
        {
            return e.Message;
        }
    }

    /// <summary>"WHAT: not valid JSON ($.path, line L, byte B): reason" for a body System.Text.Json refused, in our words.</summary>
    public static string NotValidJson(string what, System.Text.Json.JsonException e) =>
        $"{what}: not valid JSON ({(e.Path is { Length: > 1 } path ? path + ", " : "")}{JsonErrorText.Position(e) ?? "JSON"}): {JsonErrorText.Reason(e)}";

    /// <summary>Last-Event-ID (or ?after=) as a non-negative event id; 0 when absent.</summary>
    public static bool TryParseEventId(string? text, out long id)
    {
        id = 0;
        if (string.IsNullOrEmpty(text)) return true;
        return text.Length <= 19 && long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id);
    }
}
