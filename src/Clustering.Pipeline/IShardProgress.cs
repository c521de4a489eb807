namespace Clustering.Pipeline;

/// <summary>
/// What the shard processor reports while it runs: documents embedded (with their tokens) and bad documents. The
/// job's live counters (Clustering.Jobs' JobProgress) implement it; the processor never sees the job's other counters.
/// </summary>
public interface IShardProgress
{
    void AddDocuments(long documents, long tokens);

    void AddErrors(long errors);
}
