using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Clustering.Integration.Tests;

/// <summary>
/// A schedule survives kill -9 of the silo whose grain was firing it: the reminder (in PostgreSQL) wakes the grain on
/// the other silo at the next occurrence, and every occurrence still starts at most one job (one run folder each).
/// </summary>
public sealed partial class ClusterScheduleFailoverTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task After_kill_9_of_the_schedules_silo_the_next_occurrence_fires_once_on_the_other()
    {
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        var corpus = Path.Combine(cluster.Work, "corpus.jsonl");
        TestCorpus.Write(corpus, 0, 20);
        string[] fast = ["--schedule-minimum-seconds", "1"];
        var a = await cluster.StartSiloAsync("fa", extra: fast);
        var b = await cluster.StartSiloAsync("fb", extra: fast);
        var env = new Dictionary<string, string> { ["CLUSTERING_URL"] = a.Url.ToString(), ["CLUSTERING_TOKEN"] = TestCluster.Token };
        var outputFolder = Path.Combine(cluster.Work, "out");
        var create = await TestCluster.CliAsync(["schedule", "create", "failover", "--rule", "@every 8s", "--always",
            "--input", corpus, "--model", RepoPaths.TinyModel, "--output", outputFolder, "--max-length", "64", "--batch-tokens", "4096"], env);
        Assert.True(create.Exit == 0, create.Stderr);

        // The silo that logged the first occurrence hosts the schedule's grain: kill it.
        (ChildProcess Silo, Uri Url)? Firing() =>
            Started(a.Silo.Output) > 0 ? a : Started(b.Silo.Output) > 0 ? b : null;
        await cluster.WaitUntilAsync(() => Task.FromResult(Firing() is not null), TimeSpan.FromSeconds(60), "the first occurrence");
        var (victim, survivor) = Firing() == a ? (a, b) : (b, a);
        victim.Silo.KillHard();
        var killedAt = DateTimeOffset.UtcNow;
        using var client = cluster.Client(survivor.Url);

        await cluster.WaitUntilAsync(() => Task.FromResult(Started(survivor.Silo.Output) > 0), TimeSpan.FromSeconds(90), "an occurrence on the survivor");
        var firedAfter = DateTimeOffset.UtcNow - killedAt;
        // One more occurrence on the survivor, then stop the schedule and let its runs end.
        await cluster.WaitUntilAsync(() => Task.FromResult(Started(survivor.Silo.Output) > 1), TimeSpan.FromSeconds(60), "a second occurrence on the survivor");
        env["CLUSTERING_URL"] = survivor.Url.ToString();
        Assert.Equal(0, (await TestCluster.CliAsync(["schedule", "delete", "failover"], env)).Exit);

        var jobs = await client.ListJobsAsync();
        var runs = jobs.Select(j => Path.GetFileName(j.Output)).ToList();
        output.WriteLine($"killed {(victim == a ? "fa" : "fb")}; the survivor fired {firedAfter.TotalSeconds:0.0} s later; runs: {string.Join(", ", runs.Order(StringComparer.Ordinal))}");
        Assert.All(runs, r => Assert.Matches("^[0-9]{8}T[0-9]{6}Z$", r));
        Assert.Equal(runs.Count, runs.Distinct().Count()); // no occurrence ran twice
        Assert.Equal(Started(victim.Silo.Output) + Started(survivor.Silo.Output), jobs.Count);
        foreach (var job in jobs.Where(j => j.CreatedAt > killedAt))
        {
            await cluster.WaitUntilAsync(async () => (await client.GetJobAsync(job.Id)).State == "succeeded", TimeSpan.FromSeconds(90), $"job {job.Id}");
            Assert.True(File.Exists(Path.Combine(job.Output, "_SUCCESS")));
        }
    }

    /// <summary>How many jobs a silo's schedule step started (its log line per occurrence that ran).</summary>
    private static int Started(string log) => StartedLine().Matches(log).Count;

    [GeneratedRegex("schedule failover: started job ")]
    private static partial Regex StartedLine();
}
