using Clustering.Coordination;
using Clustering.Jobs;
using Clustering.Pipeline;

namespace Clustering.Cluster.Tests;

/// <summary>
/// The work stream under Orleans TestingHost (memory streams): planned shards reach the job grain as stream items, a
/// redelivered item is dropped by (job, shard), a shard whose item has not arrived is never offered, and one whose
/// item was lost is published again, by a new activation or after the redelivery period.
/// </summary>
public sealed class WorkStreamTests
{
    [Fact]
    public async Task Every_item_delivered_three_times_is_received_once_and_each_shard_runs_once()
    {
        var script = new ScriptedWorkPublisher { Copies = 3 };
        await using var cluster = await GrainCluster.StartAsync(2, work: script.Wrap);
        var (id, output) = await cluster.CreateJobAsync("job-duplicates", 12);

        Assert.Equal("succeeded", await cluster.RunToEndAsync(id));

        var job = cluster.Grains.GetGrain<IJobGrain>(id);
        await WaitAsync(async () => (await job.Deliveries()).Duplicates == 24, "24 duplicate deliveries");
        Assert.Equal(new WorkDeliveries(Received: 12, Duplicates: 24, Undelivered: 0, Publications: 1), await job.Deliveries());
        Assert.All(script.Sent.Values, n => Assert.Equal(3, n));
        var runs = cluster.Devices.Values.SelectMany(d => d.Runs).ToArray();
        Assert.Equal(Enumerable.Range(0, 12), runs.Select(r => r.Index).Order());
        Assert.All(await cluster.Store.ListShardsAsync(id), s => Assert.Equal((ShardState.Done, 1), (s.State, s.Attempt)));
        Assert.Equal(12, JobManifest.Parse(await File.ReadAllBytesAsync(Path.Combine(output, OutputLayout.Manifest))).Files.Count);
    }

    [Fact]
    public async Task A_shard_whose_item_never_arrived_is_not_offered_and_a_new_activation_publishes_it_again()
    {
        var script = new ScriptedWorkPublisher();
        script.Held[3] = true;
        // No redelivery within the test: only the new activation may bring shard 3's item.
        await using var cluster = await GrainCluster.StartAsync(1, work: script.Wrap, workRedelivery: TimeSpan.FromMinutes(10));
        var device = cluster.Devices.Values.Single();
        var (id, output) = await cluster.CreateJobAsync("job-undelivered", 6);
        var job = cluster.Grains.GetGrain<IJobGrain>(id);
        await job.Start();
        await WaitAsync(async () => (await cluster.Store.ListShardsAsync(id)).Count(s => s.State == ShardState.Done) == 5, "the 5 delivered shards done");
        await Task.Delay(1500); // idle checks (200 ms) and owner checks (500 ms) come and go: still nothing for shard 3

        var shard3 = (await cluster.Store.ListShardsAsync(id)).Single(s => s.Index == 3);
        Assert.Equal((ShardState.Pending, 0), (shard3.State, shard3.Attempt));
        Assert.DoesNotContain(device.Runs, r => r.Index == 3);
        var silo = cluster.Cluster.Silos[0].SiloAddress;
        Assert.Null(await job.Offer(new WorkerInfo(WorkerIds.Of(silo, "probe"), "test", "probe", "cpu", null, 0, [], 0, 0, 0)));
        Assert.Equal(new WorkDeliveries(Received: 5, Duplicates: 0, Undelivered: 1, Publications: 1), await job.Deliveries());
        Assert.Equal(JobState.Running, (await cluster.Store.GetJobAsync(id))!.State);

        // The item is no longer lost; the activation that lost it goes, and the next one publishes what is pending.
        script.Held.Clear();
        await cluster.Cluster.DeactivateAsync(job);
        Assert.Equal("succeeded", await cluster.RunToEndAsync(id));

        Assert.Equal(new WorkDeliveries(Received: 1, Duplicates: 0, Undelivered: 0, Publications: 1), await job.Deliveries());
        Assert.Equal(1, device.Runs.Count(r => r.Index == 3));
        Assert.All(await cluster.Store.ListShardsAsync(id), s => Assert.Equal((ShardState.Done, 1), (s.State, s.Attempt)));
        Assert.Equal(6, JobManifest.Parse(await File.ReadAllBytesAsync(Path.Combine(output, OutputLayout.Manifest))).Files.Count);
    }

    [Fact]
    public async Task An_item_lost_once_is_published_again_after_the_redelivery_period_by_the_same_activation()
    {
        var script = new ScriptedWorkPublisher { DropOnce = true };
        script.Held[2] = true;
        await using var cluster = await GrainCluster.StartAsync(1, work: script.Wrap, workRedelivery: TimeSpan.FromSeconds(1));
        var (id, _) = await cluster.CreateJobAsync("job-lost-once", 5);

        Assert.Equal("succeeded", await cluster.RunToEndAsync(id));

        var deliveries = await cluster.Grains.GetGrain<IJobGrain>(id).Deliveries();
        Assert.Equal((5, 0, 0), (deliveries.Received, deliveries.Duplicates, deliveries.Undelivered));
        Assert.Equal(2, deliveries.Publications); // all five, then shard 2 alone
        Assert.Equal(1, script.Sent[2]);
        Assert.All(await cluster.Store.ListShardsAsync(id), s => Assert.Equal((ShardState.Done, 1), (s.State, s.Attempt)));
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: not within 60 s");
            await Task.Delay(50);
        }
    }
}
