using Clustering.Client;
using Xunit.Abstractions;

namespace Clustering.Integration.Tests;

/// <summary>
/// Two silos as two machines: each in a network namespace of its own with its own address on a virtual LAN (not
/// loopback), PostgreSQL on the host's address. They find each other through the membership table, form one cluster,
/// and embed one job together: every document once, shards done by both.
/// </summary>
public sealed class NetworkNamespaceClusterTests(ITestOutputHelper output) : IDisposable
{
    private const int Documents = 6_000;

    private readonly TemporaryPostgres? _postgres = NetworkNamespace.SkipReason is null ? TemporaryPostgres.Start() : null;

    [Fact]
    public async Task Two_silos_on_two_addresses_in_their_own_network_namespaces_form_one_cluster_and_share_a_job()
    {
        if (NetworkNamespace.SkipReason is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }
        using var lan = VirtualLan.Create(machines: 2);
        _postgres!.AlsoListenOn(lan.HostAddress, lan.Cidr);
        await using var cluster = await TestCluster.CreateAsync(_postgres);
        await using var membership = new MembershipRows(cluster);
        var inputs = new List<string>();
        for (var f = 0; f < 2; f++)
        {
            var path = Path.Combine(cluster.Work, $"corpus-{f}.jsonl");
            TestCorpus.Write(path, f * Documents / 2, Documents / 2);
            inputs.Add(path);
        }
        var outputFolder = Path.Combine(cluster.Work, "out");

        // Each silo's API and silo port on its own address (the default cluster address of a silo listening beyond
        // loopback is the API's), its store on the host's.
        var silos = new List<(ChildProcess Silo, Uri Url)>();
        for (var m = 0; m < 2; m++)
        {
            var (ns, address) = lan.Machines[m];
            silos.Add(await cluster.StartSiloAsync($"n{m}", netns: ns, store: _postgres.Address(cluster.Database, host: lan.HostAddress), listenAddress: address));
        }
        await cluster.WaitUntilAsync(async () => await membership.StatusAsync("n0") == MembershipRows.Active && await membership.StatusAsync("n1") == MembershipRows.Active,
            TimeSpan.FromSeconds(60), "both silos active in the membership table");
        Assert.Equal(lan.Machines[0].Address, await membership.AddressAsync("n0"));
        Assert.Equal(lan.Machines[1].Address, await membership.AddressAsync("n1"));

        // One cluster: either silo's API lists both silos' workers (the directory grain hears from both).
        using var a = cluster.Client(silos[0].Url);
        using var b = cluster.Client(silos[1].Url);
        var w0 = await TestCluster.WorkerIdAsync(b, "n0");
        var w1 = await TestCluster.WorkerIdAsync(a, "n1");
        Assert.StartsWith(lan.Machines[0].Address + ":", w0, StringComparison.Ordinal);
        Assert.StartsWith(lan.Machines[1].Address + ":", w1, StringComparison.Ordinal);

        // A job submitted on n0, followed to its end on n1.
        var jobId = (await a.SubmitAsync(new JobSpec
        {
            Inputs = inputs, Model = RepoPaths.TinyModel, Output = outputFolder, ShardDocs = 200, MaxAttempts = 3,
            Embed = new EmbeddingOptions { MaxLength = 64, BatchTokens = 4096 },
        })).Id;
        var job = await ClusterAssertions.WaitForEndAsync(cluster, silos[1].Url, jobId, TimeSpan.FromMinutes(2));
        Assert.Equal(JobStates.Succeeded, job.State);
        var shards = await b.ListShardsAsync(jobId);
        Assert.All(shards, s => Assert.Equal((s.Index, "done", 1), (s.Index, s.State, s.Attempt)));
        var byOwner = shards.GroupBy(s => s.Owner).ToDictionary(g => g.Key!, g => g.Count());
        output.WriteLine($"{shards.Count} shards: {string.Join(", ", byOwner.Select(o => $"{o.Value} by {o.Key}"))}");
        Assert.Equal(new[] { w0, w1 }.Order(StringComparer.Ordinal), byOwner.Keys.Order(StringComparer.Ordinal)); // each did some
        await ClusterAssertions.EveryDocumentExactlyOnceAsync(outputFolder, Documents);
    }

    public void Dispose() => _postgres?.Dispose();
}
