namespace Clustering.Cluster;

/// <summary>
/// One schedule (key: the schedule's id), woken by an Orleans reminder at each occurrence. Its record is the
/// schedule's row in the store; the reminder (in the reminder table, PostgreSQL in a cluster) is only the alarm, so
/// when the silo holding either dies, another silo's reminder service fires it and any silo reactivates the grain.
/// An occurrence is claimed with the store's conditional advance before its job is created, so two activations
/// (a partition) cannot both start it.
/// </summary>
[Alias("clustering.schedule")]
public interface IScheduleGrain : IGrainWithStringKey
{
    /// <summary>
    /// Reads the schedule and sets its reminder for the next occurrence (firing one that is overdue); a deleted or
    /// disabled schedule loses its reminder. Called when a schedule is created or deleted and by every silo at start
    /// and then each minute; idempotent.
    /// </summary>
    [Alias("arm")]
    Task Arm();
}
