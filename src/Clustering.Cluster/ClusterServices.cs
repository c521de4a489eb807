using Clustering.Coordination;
using Clustering.Corpus;
using Clustering.Jobs;
using Clustering.Jobs.Scheduling;
using Clustering.Pipeline;
using Clustering.Storage;

namespace Clustering.Cluster;

/// <summary>
/// What the grains and the device host of one silo work with, given by the host that composes the silo (embed-silo,
/// `embedctl run`): the store that holds jobs and shard rows, how locations open, this silo's devices.
/// </summary>
public sealed record ClusterServices
{
    public required IClusterStore Store { get; init; }

    public required InputStores Inputs { get; init; }

    /// <summary>Opens a job's output location.</summary>
    public required Func<string, IBlobStore> Outputs { get; init; }

    /// <summary>This silo's devices, one worker each (none: a silo that only coordinates and serves the API).</summary>
    public IReadOnlyList<IShardExecutor> Devices { get; init; } = [];

    /// <summary>This process's live counters (progress bar, metrics).</summary>
    public JobProgress Progress { get; init; } = new();

    /// <summary>A name for people: logs, the workers list.</summary>
    public string SiloName { get; init; } = Environment.MachineName;

    /// <summary>
    /// Whether a shard held by a worker whose silo left the cluster counts as a failed attempt (a cluster: a shard
    /// that kills its silo must not loop forever) or is only released (one process resuming after its own kill).
    /// </summary>
    public bool DeadOwnerCountsAsFailure { get; init; } = true;

    /// <summary>How long an idle worker waits before asking again when nobody woke it (backoffs end, missed wakes).</summary>
    public TimeSpan IdleCheck { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a job grain looks for shards held by workers of silos that left the cluster.</summary>
    public TimeSpan OwnerCheck { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The schedule logic schedule grains drive; null: this cluster runs no schedules.</summary>
    public IScheduleOccurrences? Schedules { get; init; }

    /// <summary>
    /// The shortest period a schedule may have: Orleans' minimum reminder period (<c>ReminderOptions.MinimumReminderPeriod</c>),
    /// one minute unless a test lowers it.
    /// </summary>
    public TimeSpan ScheduleMinimumPeriod { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a schedule grain looks at its running job, to point <c>_latest.json</c> at it soon after it succeeds.</summary>
    public TimeSpan ScheduleWatch { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often each silo arms every schedule's grain (after its first time, at start).</summary>
    public TimeSpan ScheduleKeeperEvery { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The queue that carries work items between silos (<see cref="WorkStream"/>); null: memory streams.</summary>
    public WorkQueue? WorkQueue { get; init; }

    /// <summary>How long a silo waits for an Event Hub work queue to answer at start before it carries work in memory instead.</summary>
    public TimeSpan WorkQueueProbe { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a job grain waits for the work items it published before it publishes the still undelivered ones
    /// again (a message lost with a silo, a queue that was down); after a failed publication it tries sooner.
    /// </summary>
    public TimeSpan WorkRedelivery { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Shards in a row that may fail on one device before its worker stops (a broken GPU); a success resets it.</summary>
    public int MaxConsecutiveFailures { get; init; } = 3;
}
