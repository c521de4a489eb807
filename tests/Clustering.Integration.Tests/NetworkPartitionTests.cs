using System.Diagnostics;
using Clustering.Client;
using Xunit.Abstractions;

namespace Clustering.Integration.Tests;

/// <summary>
/// A worker silo cut off in a network namespace (its link goes down: no PostgreSQL, no other silo) while it holds a
/// shard. What happens on Orleans: the silo keeps embedding the shard and writes its attempt-named object; the others
/// stop hearing its probes and membership declares it dead; the job grain takes the shard back and another silo redoes
/// it under a later attempt; the job finishes and publishes without it, removing the late object; reconnected, the
/// cut-off silo's commit is refused and the silo, finding itself declared dead, ends. Every document once.
/// </summary>
public sealed class NetworkPartitionTests(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryPostgres? _postgres = NetworkNamespace.SkipReason is null ? TemporaryPostgres.Start() : null;

    [Fact]
    public async Task A_silo_cut_off_past_its_lease_is_declared_dead_its_shard_redone_and_its_late_commit_refused_and_object_removed()
    {
        if (NetworkNamespace.SkipReason is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }
        using var ns = NetworkNamespace.Create();
        _postgres!.AlsoListenOn(ns.HostAddress, ns.Cidr);
        await using var cluster = await TestCluster.CreateAsync(_postgres);
        await using var membership = new MembershipRows(cluster);
        const int documents = 12_000;
        var inputs = new List<string>();
        for (var f = 0; f < 2; f++)
        {
            var path = Path.Combine(cluster.Work, $"corpus-{f}.jsonl");
            TestCorpus.Write(path, f * documents / 2, documents / 2);
            inputs.Add(path);
        }
        var outputFolder = Path.Combine(cluster.Work, "out");

        // h0 dials and is dialled on the host end of the link, so the silo inside reaches it (and PostgreSQL) only there.
        var host = await cluster.StartSiloAsync("h0", extra: ["--cluster-address", ns.HostAddress]);
        using var client = cluster.Client(host.Url);
        // Submitted while h0 is the only silo: the job grain (and the directory) live on h0, so the silo cut off below
        // is a worker only, and every commit it makes must cross the cut link.
        var jobId = (await client.SubmitAsync(new JobSpec
        {
            Inputs = inputs, Model = RepoPaths.TinyModel, Output = outputFolder, ShardDocs = 200, MaxAttempts = 5,
            Embed = new EmbeddingOptions { MaxLength = 64, BatchTokens = 4096 },
        })).Id;
        var isolated = await cluster.StartSiloAsync("p1", netns: ns.Name, store: _postgres.Address(cluster.Database, host: ns.HostAddress),
            extra: ["--cluster-address", ns.InsideAddress]);
        var p1 = await TestCluster.WorkerIdAsync(client, "p1");
        var h0 = await TestCluster.WorkerIdAsync(client, "h0");

        // First a shard done by p1 (it has the job's spec and model and works on without the cluster); then one it holds.
        await cluster.WaitUntilAsync(async () => (await client.ListShardsAsync(jobId)).Any(s => s.State == "done" && s.Owner == p1),
            TimeSpan.FromSeconds(90), "p1 to finish a shard");
        // The shard to watch is read after the cut: from then on the store's view of p1 cannot change, so a shard it
        // holds then is one whose commit can only come late (a worker may hold two: one embedding, one committing).
        ShardView? held = null;
        for (var cuts = 1; held is null; cuts++)
        {
            await cluster.WaitUntilAsync(async () => (await client.ListShardsAsync(jobId)).Any(s => s.State == "leased" && s.Owner == p1),
                TimeSpan.FromSeconds(60), "p1 to lease a shard");
            ns.Cut();
            await Task.Delay(500); // a commit already on its way when the link went down lands or fails by now
            held = (await client.ListShardsAsync(jobId)).Where(s => s.State == "leased" && s.Owner == p1).MaxBy(s => s.Index);
            if (held is null)
            {
                // It committed its last shard just before the cut and holds none: connect it again and cut later.
                Assert.True(cuts < 5, "p1 held no shard at five cuts");
                ns.Reconnect();
            }
        }
        var clock = Stopwatch.StartNew();
        output.WriteLine($"cut p1 off holding shard {held!.Index} attempt {held.Attempt}");

        // Cut off, p1 still finishes the shard and writes its attempt-named object...
        var lateObject = Path.Combine(outputFolder, $"part-{held.Index:D5}-a{held.Attempt}.parquet");
        await cluster.WaitUntilAsync(() => Task.FromResult(File.Exists(lateObject)), TimeSpan.FromSeconds(60), $"{lateObject} to be written");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: p1 wrote {Path.GetFileName(lateObject)}");
        // ...while h0 stops hearing it and membership declares it dead (the lease of a shard lives as long as its silo)...
        await cluster.WaitUntilAsync(async () => await membership.StatusAsync("p1") == MembershipRows.Dead, TimeSpan.FromSeconds(60), "p1 to be declared dead");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: p1 declared dead");
        // ...and the job finishes without it: the shard redone by h0 under a later attempt, the late object removed at publish.
        var job = await ClusterAssertions.WaitForEndAsync(cluster, host.Url, jobId, TimeSpan.FromMinutes(2));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: job {job.State}");
        Assert.Equal(JobStates.Succeeded, job.State);
        var redone = (await client.ListShardsAsync(jobId))[held.Index];
        Assert.Equal(("done", h0), (redone.State, redone.Owner));
        Assert.True(redone.Attempt > held.Attempt, $"shard {held.Index} done at attempt {redone.Attempt}, p1 held {held.Attempt}");
        Assert.False(File.Exists(lateObject), $"{lateObject} is still there after publishing");
        Assert.False(isolated.Silo.HasExited, "p1 ended while cut off\n" + isolated.Silo.Output);
        var published = await client.ListShardsAsync(jobId);

        // Reconnected, p1 reads the membership table, finds itself declared dead and ends (Orleans stops such a silo
        // with Environment.FailFast: SIGABRT). Its commit of the shard never lands: the store is as it was published.
        ns.Reconnect();
        var exit = await isolated.Silo.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: reconnected, p1 ended with exit code {exit}");
        Assert.Contains("I have been told I am dead, so this silo will stop!", isolated.Silo.Output);
        Assert.Equal(128 + 6, exit);
        Assert.Equal(published.Select(s => (s.Index, s.State, s.Attempt, s.Owner)), (await client.ListShardsAsync(jobId)).Select(s => (s.Index, s.State, s.Attempt, s.Owner)));
        Assert.Equal(JobStates.Succeeded, (await client.GetJobAsync(jobId)).State);

        var parts = await ClusterAssertions.EveryDocumentExactlyOnceAsync(outputFolder, documents);
        Assert.DoesNotContain(Path.GetFileName(lateObject), parts);
        Assert.False(File.Exists(lateObject), $"{lateObject} is back");
    }

    public void Dispose() => _postgres?.Dispose();
}
