using Clustering.Pipeline;

namespace Clustering.Jobs;

/// <summary>
/// Object names inside a job's output folder. A shard's objects carry its attempt number, so a late writer from an
/// earlier attempt can never overwrite the committed object; the manifest names the committed ones and completion
/// removes the rest. The shard processor names an attempt's objects (<see cref="AttemptObjects"/>); this layout
/// repeats those names so the lifecycle's callers read one place.
/// </summary>
public static class OutputLayout
{
    public const string Manifest = "_manifest.json";
    public const string Success = "_SUCCESS";
    public const string ErrorsFolder = AttemptObjects.ErrorsFolder;

    /// <summary>Embedded mode's store and lock live here (local outputs only); completion never removes it.</summary>
    public const string StateFolder = "_state/";

    public static string PartKey(int shard, int attempt) => AttemptObjects.PartKey(shard, attempt);

    public static string ErrorsKey(int shard, int attempt) => AttemptObjects.ErrorsKey(shard, attempt);

    /// <summary>OpenAI batch result lines of a shard (<c>--output-format openai-batch</c>).</summary>
    public const string OpenAiResultsFolder = AttemptObjects.OpenAiResultsFolder;

    public static string OpenAiResultsKey(int shard, int attempt) => AttemptObjects.OpenAiResultsKey(shard, attempt);

    /// <summary>
    /// Objects this tool writes into a job folder (parts, errors files, markers). Completion removes only these
    /// when the manifest does not name them, so a user's unrelated file in the output folder is never deleted.
    /// </summary>
    public static bool IsOurs(string key) =>
        (key.StartsWith("part-", StringComparison.Ordinal) && key.EndsWith(".parquet", StringComparison.Ordinal)) ||
        (key.StartsWith(ErrorsFolder + "part-", StringComparison.Ordinal) && key.EndsWith(".jsonl", StringComparison.Ordinal)) ||
        (key.StartsWith(OpenAiResultsFolder + "part-", StringComparison.Ordinal) && key.EndsWith(".jsonl", StringComparison.Ordinal));

    /// <summary>Objects that completion keeps or removes; the state folder is neither.</summary>
    public static bool IsJobObject(string key) => !key.StartsWith(StateFolder, StringComparison.Ordinal);
}
