using System.Text.Json;
using Xunit.Abstractions;

namespace Clustering.Integration.Tests;

/// <summary>
/// A schedule on a real silo and PostgreSQL, driven with embedctl: it runs the job, skips occurrences while the
/// corpus is unchanged, runs again when the corpus grows (deleting the older run it no longer keeps), and stops when
/// deleted. DuckDB reads each run's output.
/// </summary>
public sealed class ClusterScheduleTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_schedule_reembeds_when_the_corpus_changes_and_skips_when_it_does_not()
    {
        await using var cluster = await TestCluster.CreateAsync(postgres.Server);
        var corpus = Path.Combine(cluster.Work, "corpus.jsonl");
        TestCorpus.Write(corpus, 0, 200);
        // Schedules are Orleans reminders (a minute at least); a lower minimum lets this test see several occurrences.
        var url = (await cluster.StartSiloAsync("s0", extra: ["--schedule-minimum-seconds", "2"])).Url;
        var env = new Dictionary<string, string> { ["CLUSTERING_URL"] = url.ToString(), ["CLUSTERING_TOKEN"] = TestCluster.Token };
        var outputFolder = Path.Combine(cluster.Work, "out");
        string[] job = ["--input", corpus, "--model", RepoPaths.TinyModel, "--output", outputFolder, "--max-length", "64", "--batch-tokens", "4096"];

        // Refused before anything is stored: a rule that is not one, a job that is not one.
        var bad = await TestCluster.CliAsync(["schedule", "create", "nightly", "--rule", "0 3 32 * *", .. job], env);
        Assert.NotEqual(0, bad.Exit);
        Assert.Contains("day of month", bad.Stderr);
        Assert.Contains("32", bad.Stderr);
        bad = await TestCluster.CliAsync(["schedule", "create", "Nightly!", "--rule", "@daily", .. job], env);
        Assert.NotEqual(0, bad.Exit);
        Assert.Contains("schedule id", bad.Stderr);
        bad = await TestCluster.CliAsync(["schedule", "create", "nightly", "--rule", "@every 1s", .. job], env);
        Assert.NotEqual(0, bad.Exit);
        Assert.Contains("schedule \"@every 1s\": fires every 1 s, more often than the shortest period a schedule may have (2 s: schedules are Orleans reminders); use @every 2s or longer", bad.Stderr);

        var create = await TestCluster.CliAsync(["schedule", "create", "nightly", "--rule", "@every 2s", "--keep", "1", .. job], env);
        Assert.True(create.Exit == 0, create.Stderr);
        Assert.Contains("schedule nightly: '@every 2s', first run at", create.Stdout);
        var again = await TestCluster.CliAsync(["schedule", "create", "nightly", "--rule", "@daily", .. job], env);
        Assert.NotEqual(0, again.Exit);
        Assert.Contains("exists", again.Stderr);

        // The first occurrence runs the job into a run folder; _latest.json names it once it has succeeded.
        var latestPath = Path.Combine(outputFolder, "_latest.json");
        await cluster.WaitUntilAsync(() => Task.FromResult(File.Exists(latestPath)), TimeSpan.FromSeconds(90), "the first scheduled run");
        var first = Latest(latestPath);
        Assert.Matches("^[0-9]{8}T[0-9]{6}Z$", first.Run);
        Assert.Equal(200, await RowsAsync(Path.Combine(outputFolder, first.Run)));
        using var client = cluster.Client(url);
        var firstJob = await client.GetJobAsync(first.Job);
        Assert.Equal("succeeded", firstJob.State);
        Assert.Equal(Path.Combine(outputFolder, first.Run), firstJob.Output);

        // Unchanged corpus: occurrences come and go (last_run_at moves) without a new job.
        var handled = (await client.GetScheduleAsync("nightly")).LastRunAt;
        await cluster.WaitUntilAsync(async () => (await client.GetScheduleAsync("nightly")).LastRunAt > handled, TimeSpan.FromSeconds(30), "an occurrence after the first run");
        var schedule = await client.GetScheduleAsync("nightly");
        Assert.Equal(first.Job, schedule.LastJobId);
        Assert.Single(await client.ListJobsAsync());

        // The corpus grows: the next occurrence runs again, into its own folder; keeping one run, the first is deleted
        // once the second has succeeded.
        Replace(corpus, 250);
        await cluster.WaitUntilAsync(() => Task.FromResult(Latest(latestPath).Job != first.Job), TimeSpan.FromSeconds(90), "a run after the corpus changed");
        var second = Latest(latestPath);
        Assert.NotEqual(first.Run, second.Run);
        Assert.True(string.CompareOrdinal(second.Run, first.Run) > 0, $"{second.Run} after {first.Run}");
        Assert.Equal(250, await RowsAsync(Path.Combine(outputFolder, second.Run)));
        var firstFolder = Path.Combine(outputFolder, first.Run);
        await cluster.WaitUntilAsync(() => Task.FromResult(!Directory.Exists(firstFolder) || Directory.GetFiles(firstFolder, "*", SearchOption.AllDirectories).Length == 0),
            TimeSpan.FromSeconds(30), "the first run deleted (--keep 1)");

        var show = await TestCluster.CliAsync(["schedule", "show", "nightly"], env);
        Assert.Contains($"job {second.Job}", show.Stdout);
        var list = await TestCluster.CliAsync(["schedule", "list"], env);
        Assert.Contains("nightly", list.Stdout);
        Assert.Contains("@every 2s", list.Stdout);
        Assert.Contains("keeps:     the newest 1 successful run(s)", show.Stdout);

        // Deleted: no more runs.
        var delete = await TestCluster.CliAsync(["schedule", "delete", "nightly"], env);
        Assert.True(delete.Exit == 0, delete.Stderr);
        Assert.Empty(await client.ListSchedulesAsync());
        Replace(corpus, 300);
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(2, (await client.ListJobsAsync()).Count);
        output.WriteLine($"runs {first.Run} ({first.Job}) and {second.Run} ({second.Job})");
    }

    /// <summary>Rewrites the corpus with <paramref name="documents"/> documents in one rename, as a producer should: a
    /// file half-written when an occurrence lists it would be a different corpus by the time a worker reads it.</summary>
    private static void Replace(string corpus, int documents)
    {
        TestCorpus.Write(corpus + ".tmp", 0, documents);
        File.Move(corpus + ".tmp", corpus, overwrite: true);
    }

    private static (string Job, string Run) Latest(string path)
    {
        using var latest = JsonDocument.Parse(File.ReadAllText(path));
        var root = latest.RootElement;
        Assert.Equal(root.GetProperty("run").GetString() + "/_manifest.json", root.GetProperty("manifest").GetString());
        return (root.GetProperty("job").GetString()!, root.GetProperty("run").GetString()!);
    }

    private static async Task<long> RowsAsync(string runFolder)
    {
        Assert.True(File.Exists(Path.Combine(runFolder, "_SUCCESS")), $"{runFolder}/_SUCCESS");
        var rows = await DuckDb.QueryAsync($"SELECT count(*) AS n FROM read_parquet({DuckDb.Files(Directory.GetFiles(runFolder, "*.parquet"))})");
        return rows[0].GetProperty("n").GetInt64();
    }
}
