using Clustering.Client;
using Xunit.Abstractions;

namespace Clustering.Integration.Tests;

/// <summary>
/// A silo cut off from the database (its network namespace's link goes down) keeps embedding the shard it holds
/// while its lease expires; another silo redoes the shard under a later attempt; reconnected, the isolated silo's
/// late commit is refused and its object is removed when the job is published.
/// </summary>
public sealed class NetworkPartitionTests(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryPostgres? _postgres = NetworkNamespace.SkipReason is null ? TemporaryPostgres.Start() : null;

    [Fact(Skip = "not yet ported to the Orleans silo: cut off, p1 cannot reach the job grain to commit at all, and its silo is declared dead by membership; what this test waits for (a late object, a refused commit) needs rewriting for that")]
    public async Task An_isolated_silo_keeps_working_past_its_lease_and_its_late_commit_is_refused_and_its_object_removed()
    {
        if (NetworkNamespace.SkipReason is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }
        using var ns = NetworkNamespace.Create();
        _postgres!.AlsoListenOn(ns.HostAddress, ns.Cidr);
        await using var cluster = await TestCluster.CreateAsync(_postgres);
        const int documents = 6_000; // enough shards that p1 is still leasing when the polls look
        var inputs = new List<string>();
        for (var f = 0; f < 2; f++)
        {
            var path = Path.Combine(cluster.Work, $"corpus-{f}.jsonl");
            TestCorpus.Write(path, f * documents / 2, documents / 2);
            inputs.Add(path);
        }
        var outputFolder = Path.Combine(cluster.Work, "out");

        var host = await cluster.StartSiloAsync("h0", leaseSeconds: 4);
        var isolated = await cluster.StartSiloAsync("p1", leaseSeconds: 4, netns: ns.Name, store: _postgres.Address(cluster.Database, host: ns.HostAddress),
            extra: ["--cluster-address", ns.InsideAddress]);
        using var client = cluster.Client(host.Url);
        var p1 = await TestCluster.WorkerIdAsync(client, "p1");
        var jobId = (await client.SubmitAsync(new JobSpec
        {
            Inputs = inputs, Model = RepoPaths.TinyModel, Output = outputFolder, ShardDocs = 200, MaxAttempts = 5,
            Embed = new EmbedOptions { MaxLength = 64, BatchTokens = 4096 },
        })).Id;

        // First a shard done by p1, so it knows the job and can work on without the store; then a shard it holds.
        await cluster.WaitUntilAsync(async () => (await client.ListShardsAsync(jobId)).Any(s => s.State == "done" && s.Owner == p1),
            TimeSpan.FromSeconds(60), "the isolated silo to finish a shard");
        // The shard to watch is read after the cut: from then on the store's view of p1 cannot change, so a shard it
        // holds then is one whose commit can only come late (a worker may hold two: one embedding, one committing).
        ShardView? held = null;
        for (var cuts = 1; held is null; cuts++)
        {
            await cluster.WaitUntilAsync(async () => (await client.ListShardsAsync(jobId)).Any(s => s.State == "leased" && s.Owner == p1),
                TimeSpan.FromSeconds(60), "the isolated silo to lease a shard");
            ns.Cut();
            await Task.Delay(500); // a statement already on its way when the link went down lands or fails by now
            held = (await client.ListShardsAsync(jobId)).Where(s => s.State == "leased" && s.Owner == p1).MaxBy(s => s.Index);
            if (held is null)
            {
                // It committed its last shard just before the cut and holds none: connect it again and cut later.
                Assert.True(cuts < 5, "the isolated silo held no shard at five cuts");
                ns.Reconnect();
            }
        }
        output.WriteLine($"cut p1 off holding shard {held!.Index} attempt {held.Attempt}");

        // Cut off, it still finishes the shard and writes its attempt-named object...
        var lateObject = Path.Combine(outputFolder, $"part-{held.Index:D5}-a{held.Attempt}.parquet");
        await cluster.WaitUntilAsync(() => Task.FromResult(File.Exists(lateObject)), TimeSpan.FromSeconds(120), $"{lateObject} to be written");
        // ...while the lease expired and h0 redid the shard under a later attempt.
        await cluster.WaitUntilAsync(async () => (await client.ListShardsAsync(jobId))[held.Index] is { State: "done" } s && s.Attempt > held.Attempt,
            TimeSpan.FromSeconds(120), $"shard {held.Index} to be redone by h0");
        Assert.False(isolated.Silo.HasExited, cluster.Logs());

        ns.Reconnect();
        await isolated.Silo.WaitForLineAsync($"commit of shard {jobId}#{held.Index} attempt {held.Attempt} refused (fenced out)", TimeSpan.FromSeconds(120));

        var job = await ClusterAssertions.WaitForEndAsync(cluster, host.Url, jobId, TimeSpan.FromMinutes(4));
        Assert.Equal(JobStates.Succeeded, job.State);
        var parts = await ClusterAssertions.EveryDocumentExactlyOnceAsync(outputFolder, documents);
        Assert.DoesNotContain(Path.GetFileName(lateObject), parts);
        Assert.False(File.Exists(lateObject), $"{lateObject} is still there");
    }

    public void Dispose() => _postgres?.Dispose();
}
