using System.Diagnostics;
using Clustering.Pipeline;

namespace Clustering.Jobs;

/// <summary>
/// Live counters of one job run in this process, updated by workers with Interlocked adds and read by whoever shows
/// progress (a terminal bar, log lines, metrics). Reading never blocks a worker.
/// </summary>
public sealed class JobProgress : IShardProgress
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _documentsTotal;
    private long _documentsAtStart;
    private long _documents;
    private long _errors;
    private long _tokens;
    private int _shardsTotal;
    private int _shardsDone;
    private int _shardsFailed;
    private int _retries;

    /// <summary>Sets the plan's size and what earlier runs of the same job already finished (resume).</summary>
    public void SetPlan(long documents, int shards, long documentsAlreadyDone, int shardsAlreadyDone)
    {
        Volatile.Write(ref _documentsTotal, documents);
        Volatile.Write(ref _shardsTotal, shards);
        Volatile.Write(ref _documentsAtStart, documentsAlreadyDone);
        Volatile.Write(ref _documents, documentsAlreadyDone);
        Volatile.Write(ref _shardsDone, shardsAlreadyDone);
    }

    public void AddDocuments(long documents, long tokens)
    {
        Interlocked.Add(ref _documents, documents);
        Interlocked.Add(ref _tokens, tokens);
    }

    public void AddErrors(long errors) => Interlocked.Add(ref _errors, errors);

    public void ShardDone() => Interlocked.Increment(ref _shardsDone);

    public void ShardFailed() => Interlocked.Increment(ref _shardsFailed);

    public void ShardRetried() => Interlocked.Increment(ref _retries);

    /// <summary>A consistent-enough snapshot for display.</summary>
    public ProgressSnapshot Snapshot()
    {
        var elapsed = _clock.Elapsed;
        var documents = Volatile.Read(ref _documents) + Volatile.Read(ref _errors);
        var doneHere = documents - Volatile.Read(ref _documentsAtStart);
        var tokens = Volatile.Read(ref _tokens);
        var total = Volatile.Read(ref _documentsTotal);
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-3);
        TimeSpan? eta = doneHere > 0 && total > documents ? TimeSpan.FromSeconds((total - documents) * seconds / doneHere) : null;
        return new ProgressSnapshot(total, documents, Volatile.Read(ref _errors), tokens, tokens / seconds, doneHere / seconds,
            Volatile.Read(ref _shardsTotal), Volatile.Read(ref _shardsDone), Volatile.Read(ref _shardsFailed), Volatile.Read(ref _retries),
            elapsed, eta);
    }
}

/// <summary>Progress at one moment. Documents counts good documents and bad lines alike (both are "done").</summary>
public readonly record struct ProgressSnapshot(
    long DocumentsTotal, long Documents, long Errors, long Tokens, double TokensPerSecond, double DocumentsPerSecond,
    int ShardsTotal, int ShardsDone, int ShardsFailed, int Retries, TimeSpan Elapsed, TimeSpan? Eta);
