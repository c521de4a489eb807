namespace Clustering.Cluster;

/// <summary>
/// Fires due schedules (one grain, key 0): while active, a grain timer runs the schedule runner off its turns every
/// second. Every silo pokes it now and then, so after its silo dies it is active again elsewhere within a poke.
/// Occurrences are claimed with the store's conditional advance, so a second activation during a partition cannot
/// start one twice.
/// </summary>
[Alias("clustering.scheduler")]
public interface ISchedulerGrain : IGrainWithIntegerKey
{
    /// <summary>Activates the grain (and with it the timer); idempotent.</summary>
    [Alias("poke")]
    Task Poke();
}
