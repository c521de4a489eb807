namespace Clustering.Pipeline;

/// <summary>
/// Names of the objects one shard attempt writes into its job's output folder. They carry the attempt number, so a
/// late writer from an earlier attempt can never overwrite a committed object. The rest of the folder's layout
/// (manifest, markers, what completion may remove) is the job lifecycle's: Clustering.Jobs' OutputLayout.
/// </summary>
public static class AttemptObjects
{
    public const string ErrorsFolder = "_errors/";

    /// <summary>OpenAI batch result lines of a shard (<c>--output-format openai-batch</c>).</summary>
    public const string OpenAiResultsFolder = "openai-batch/";

    public static string PartKey(int shard, int attempt) => $"part-{shard:D5}-a{attempt}.parquet";

    public static string ErrorsKey(int shard, int attempt) => $"{ErrorsFolder}part-{shard:D5}-a{attempt}.jsonl";

    public static string OpenAiResultsKey(int shard, int attempt) => $"{OpenAiResultsFolder}part-{shard:D5}-a{attempt}.jsonl";
}
