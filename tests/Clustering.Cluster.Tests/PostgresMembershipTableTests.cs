using System.Net;
using Clustering.Coordination.Tests;
using Clustering.Coordination;
using Clustering.Coordination.Sqlite;
using Clustering.Corpus;
using Clustering.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;

namespace Clustering.Cluster.Tests;

/// <summary>Orleans membership on our PostgreSQL tables, against a real PostgreSQL: the table contract, then a cluster on it.</summary>
public sealed class PostgresMembershipTableTests : IAsyncLifetime
{
    private TemporaryPostgres? _server;
    private NpgsqlDataSource? _database;

    public async Task InitializeAsync()
    {
        _server = TemporaryPostgres.Start();
        var name = await _server.CreateDatabaseAsync("membership");
        _database = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={_server.Port};Username=postgres;Database={name}");
    }

    public async Task DisposeAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
        _server?.Dispose();
    }

    private PostgresMembershipTable Table(string clusterId) => new(_database!, Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "s" }));

    private static MembershipEntry Entry(int port, SiloStatus status) => new()
    {
        SiloAddress = SiloAddress.New(IPAddress.Parse("10.200.0.1"), port, 42 + port),
        Status = status,
        SiloName = "silo-" + port,
        HostName = "host",
        ProxyPort = port + 1000,
        StartTime = new DateTime(2026, 12, 4, 18, 0, 0, DateTimeKind.Utc),
        IAmAliveTime = new DateTime(2026, 12, 4, 18, 0, 1, DateTimeKind.Utc),
        SuspectTimes = [],
    };

    [Fact]
    public async Task Inserts_and_updates_move_the_table_version_from_the_one_read_and_stale_writers_are_refused()
    {
        var table = Table("c1");
        await table.InitializeMembershipTable(true);
        await table.InitializeMembershipTable(true); // idempotent, as every silo does it at start
        var empty = await table.ReadAll();
        Assert.Equal((0, "0"), (empty.Version.Version, empty.Version.VersionEtag));
        Assert.Empty(empty.Members);

        var a = Entry(11111, SiloStatus.Joining);
        Assert.True(await table.InsertRow(a, empty.Version.Next()));
        Assert.False(await table.InsertRow(Entry(22222, SiloStatus.Joining), empty.Version.Next())); // read version 0, now 1
        var one = await table.ReadAll();
        Assert.Equal(1, one.Version.Version);
        Assert.False(await table.InsertRow(a, one.Version.Next())); // the same silo twice

        var (row, etag) = one.Members.Single();
        Assert.Equal((a.SiloAddress, SiloStatus.Joining, "silo-11111", 12111, a.StartTime, a.IAmAliveTime),
            (row.SiloAddress, row.Status, row.SiloName, row.ProxyPort, row.StartTime, row.IAmAliveTime));

        var suspect = Tuple.Create(SiloAddress.New(IPAddress.Parse("10.200.0.2"), 11111, 7), new DateTime(2026, 12, 4, 18, 5, 0, DateTimeKind.Utc));
        var active = Entry(11111, SiloStatus.Active);
        active.SuspectTimes = [suspect];
        Assert.True(await table.UpdateRow(active, etag, one.Version.Next()));
        Assert.False(await table.UpdateRow(active, etag, (await table.ReadAll()).Version.Next())); // stale row etag
        Assert.False(await table.UpdateRow(active, (int.Parse(etag) + 1).ToString(), one.Version.Next())); // stale table version

        var two = await table.ReadRow(a.SiloAddress);
        Assert.Equal(2, two.Version.Version);
        var (updated, _) = two.Members.Single();
        Assert.Equal(SiloStatus.Active, updated.Status);
        Assert.Equal([suspect], updated.SuspectTimes);

        active.IAmAliveTime = new DateTime(2026, 12, 4, 18, 9, 0, DateTimeKind.Utc);
        await table.UpdateIAmAlive(active);
        var three = await table.ReadAll();
        Assert.Equal(2, three.Version.Version); // I-am-alive stamps move neither the version nor the etag
        Assert.Equal((active.IAmAliveTime, two.Members.Single().Item2), (three.Members.Single().Item1.IAmAliveTime, three.Members.Single().Item2));

        Assert.Empty((await Table("c2").ReadAll()).Members); // clusters do not see each other
    }

    [Fact]
    public async Task Dead_entries_older_than_the_cut_off_are_removed_and_a_cluster_can_be_deleted()
    {
        var table = Table("c3");
        await table.InitializeMembershipTable(true);
        var v = (await table.ReadAll()).Version;
        Assert.True(await table.InsertRow(Entry(1, SiloStatus.Dead), v.Next()));
        Assert.True(await table.InsertRow(Entry(2, SiloStatus.Active), (await table.ReadAll()).Version.Next()));
        await table.CleanupDefunctSiloEntries(new DateTimeOffset(2026, 12, 4, 18, 0, 2, TimeSpan.Zero));
        Assert.Equal([2], (await table.ReadAll()).Members.Select(m => m.Item1.SiloAddress.Endpoint.Port));
        await table.DeleteMembershipTableEntries("c3");
        Assert.Empty((await table.ReadAll()).Members);
    }

    [Fact]
    public async Task Two_silo_hosts_on_real_ports_form_one_cluster_on_it_and_run_a_job_together()
    {
        var root = Directory.CreateTempSubdirectory("clustering-pgm-").FullName;
        await using var store = await SqliteClusterStore.OpenAsync("sqlite:" + Path.Combine(root, "jobs.db"));
        var devices = new[] { new ScriptedExecutor("cpu"), new ScriptedExecutor("cpu") };
        foreach (var d in devices) d.AfterWrite = (_, _, ct) => Task.Delay(30, ct);
        var connection = $"Host=127.0.0.1;Port={_server!.Port};Username=postgres;Database=membership";
        var hosts = new List<IHost>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var builder = Host.CreateApplicationBuilder();
                builder.Logging.ClearProviders();
                var device = devices[i];
                builder.UseOrleans(silo =>
                {
                    silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("pg-test", "clustering"));
                    silo.ConfigureEndpoints(IPAddress.Loopback, TemporaryPostgres.FreePort(), TemporaryPostgres.FreePort());
                    silo.UsePostgresClustering(connection);
                    silo.AddEmbeddingCluster(new ClusterServices
                    {
                        Store = store, Inputs = new InputStores(), Outputs = l => new LocalBlobStore(l), Devices = [device], SiloName = "silo" + i,
                        IdleCheck = TimeSpan.FromMilliseconds(200),
                    });
                });
                var host = builder.Build();
                hosts.Add(host);
                await host.StartAsync();
            }
            var output = Path.Combine(root, "out");
            Directory.CreateDirectory(output);
            var spec = new JobSpec { Inputs = ["/x.jsonl"], Model = RepoPaths.TinyModel, Output = output };
            await store.CreateJobAsync(new NewJob("job-pg", spec.ToJson(), "m", output), GrainCluster.EmptyShards(20));

            var job = hosts[1].Services.GetRequiredService<IGrainFactory>().GetGrain<IJobGrain>("job-pg");
            await job.Start();
            string state;
            var deadline = DateTime.UtcNow.AddSeconds(90);
            do state = await job.WaitForEnd(TimeSpan.FromSeconds(5));
            while (state == "running" && DateTime.UtcNow < deadline);

            Assert.Equal("succeeded", state);
            Assert.All(devices, d => Assert.NotEmpty(d.Runs));
            var members = (await Table("pg-test").ReadAll()).Members;
            var silos = hosts.Select(h => h.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress).Order().ToArray();
            Assert.Equal(silos, members.Where(m => m.Item1.Status == SiloStatus.Active).Select(m => m.Item1.SiloAddress).Order());
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.StopAsync(TimeSpan.FromSeconds(30));
                host.Dispose();
            }
            try { Directory.Delete(root, true); } catch (IOException) { }
        }
    }
}
