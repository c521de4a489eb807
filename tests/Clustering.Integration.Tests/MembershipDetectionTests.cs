using System.Diagnostics;
using Npgsql;
using Xunit.Abstractions;

namespace Clustering.Integration.Tests;

/// <summary>
/// How long a cluster of three silo processes takes to declare a silo killed with -9 dead, read from the membership
/// table in PostgreSQL (the cluster's own record of it). The bound asserted is generous (a loaded 2-core machine);
/// the figure is printed. README, "Failure detection", gives the options that set it.
/// </summary>
public sealed class MembershipDetectionTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const int Active = 3, Dead = 6; // Orleans' SiloStatus

    [Fact]
    public async Task A_silo_killed_with_9_is_declared_dead_within_seconds()
    {
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        var silos = new List<(ChildProcess Silo, Uri Url)>();
        for (var s = 0; s < 3; s++) silos.Add(await cluster.StartSiloAsync($"m{s}"));
        await using var database = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={cluster.Postgres.Port};Username=postgres;Database={cluster.Database}");
        async Task<int?> StatusAsync(string silo)
        {
            await using var cmd = database.CreateCommand("SELECT status FROM orleans_membership WHERE silo_name = $1 ORDER BY generation DESC LIMIT 1");
            cmd.Parameters.AddWithValue(silo);
            return await cmd.ExecuteScalarAsync() as int?;
        }
        await cluster.WaitUntilAsync(async () => await StatusAsync("m0") == Active && await StatusAsync("m1") == Active && await StatusAsync("m2") == Active,
            TimeSpan.FromSeconds(60), "three active silos in the membership table");

        silos[1].Silo.KillHard();
        var clock = Stopwatch.StartNew();
        while (await StatusAsync("m1") != Dead && clock.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(50);
        var declared = clock.Elapsed;

        output.WriteLine($"kill -9 of m1 declared dead after {declared.TotalSeconds:0.0} s");
        Assert.Equal(Dead, await StatusAsync("m1"));
        Assert.True(declared < TimeSpan.FromSeconds(30), $"declared dead after {declared.TotalSeconds:0.0} s\n{cluster.Logs()}");
        Assert.Equal((Active, Active), (await StatusAsync("m0"), await StatusAsync("m2")));
    }
}
