using Orleans.Concurrency;

namespace Clustering.Cluster;

/// <summary>
/// The coordinator of one stream job (key: the job's name). It journals each delivered batch of events to the job's
/// output before acknowledging it, closes windows by count or age, has each window embedded outside its turns (the next while one is written) and
/// committed create-if-absent, and only then advances its checkpoint. Its state lives in the job's output
/// (<c>_stream/</c>), so it reactivates on any silo.
/// </summary>
[Alias("clustering.stream-job")]
public interface IStreamJobGrain : IGrainWithStringKey
{
    /// <summary>Creates the job, or returns its status when the same definition exists; another definition under the name is refused.</summary>
    [Alias("create")]
    Task<StreamJobStatus> Create(StreamJobDefinition definition);

    [Alias("status"), AlwaysInterleave]
    Task<StreamJobStatus> Status();

    /// <summary>Events delivered from the source (raw JSON texts and their positions); returns once they are durable.</summary>
    [Alias("deliver")]
    Task Deliver(StreamEventBatch batch);

    /// <summary>
    /// Stops committing windows; events keep being journaled (durably, not in memory) until <see cref="Resume"/>. A
    /// window already sealed is committed before it answers, so the status it answers is what the output holds.
    /// </summary>
    [Alias("pause")]
    Task<StreamJobStatus> Pause();

    [Alias("resume")]
    Task<StreamJobStatus> Resume();

    /// <summary>Removes the job's definition and journal; committed windows stay where they are.</summary>
    [Alias("delete")]
    Task<bool> Delete();

    /// <summary>Called by the job itself when a window's embedding or commit ends off its turns: moves its windows on.</summary>
    [Alias("advance")]
    Task Advance();

    /// <summary>Commits whatever the open window holds now (tests, shutdown); returns the status after it.</summary>
    [Alias("flush")]
    Task<StreamJobStatus> Flush();
}

/// <summary>
/// Events as a source delivered them: the raw texts and, per event, where it came from (queue and message sequence,
/// partition and offset) for the errors file.
/// </summary>
[GenerateSerializer, Immutable, Alias("clustering.stream-event-batch")]
public sealed record StreamEventBatch(
    [property: Id(0)] string[] Texts,
    [property: Id(1)] string[] Positions,
    [property: Id(2)] DateTimeOffset ReceivedAt);

/// <summary>The stream jobs of the cluster (one grain, key 0), listed from the catalog.</summary>
[Alias("clustering.stream-directory")]
public interface IStreamDirectoryGrain : IGrainWithIntegerKey
{
    [Alias("list")]
    Task<StreamJobStatus[]> List();
}
