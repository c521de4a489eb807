using Clustering.Coordination;
using Clustering.Coordination.Sqlite;
using Clustering.Corpus;
using Clustering.Jobs;
using Clustering.Jobs.Scheduling;
using Clustering.Pipeline.Tests;
using Clustering.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Jobs.Tests;

/// <summary>
/// The schedule runner against a real SQLite store on a clock moved by hand, stepped as a schedule grain steps it when
/// its reminder fires: one job per occurrence even with two activations, run folders named by the occurrence, no run while the last one is going, no catch-up of missed
/// occurrences, a broken row disabled rather than retried. (A real silo running, skipping and re-running on a changed
/// corpus: Integration's ClusterScheduleTests.)
/// </summary>
public sealed class ScheduleRunnerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Six = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("schedules-").FullName;
    private readonly HandClock _clock = new(Six.AddSeconds(30));
    private IClusterStore _store = null!;

    public async Task InitializeAsync() =>
        _store = await SqliteClusterStore.OpenAsync("sqlite:" + Path.Combine(_dir, "state.db"), new ClusterStoreOptions { Clock = _clock });

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private ScheduleRunner Runner() => new(_store, new InputStores(), output => new LocationResolver().OpenFolder(output), NullLogger.Instance, _clock);

    private async Task<ScheduleTemplate> CreateHourlyAsync(string id, string? input = null)
    {
        var corpus = input ?? Path.Combine(_dir, "corpus.jsonl");
        if (input is null) TestCorpus.Write(corpus, 10);
        var template = new ScheduleTemplate(new JobSpec { Inputs = [corpus], Model = TestCorpus.DemoModel, Output = Path.Combine(_dir, "out") });
        await _store.UpsertScheduleAsync(new ScheduleRecord(id, "0 * * * *", template.ToJson(), Six));
        return template;
    }

    [Fact]
    public async Task An_occurrence_starts_one_job_into_its_run_folder_even_with_two_activations()
    {
        var template = await CreateHourlyAsync("hourly");
        var step = (await Runner().StepAsync("hourly", CancellationToken.None))!;
        // A second activation in the same instant (the first's silo was just declared dead): nothing left to fire.
        var again = (await Runner().StepAsync("hourly", CancellationToken.None))!;

        var job = Assert.Single(await _store.ListJobsAsync());
        Assert.Equal(JobState.Pending, job.State);
        var spec = JobSpec.FromJson(job.SpecJson);
        Assert.Equal(Path.Combine(_dir, "out", "20261122T060000Z"), spec.Output);
        Assert.Equal(template.Job.Inputs, spec.Inputs);
        var scheduled = Assert.Single(await _store.ReadEventsAsync(job.Id));
        Assert.Equal(ScheduleRunner.ScheduledEvent, scheduled.Kind);
        Assert.Matches("^started by schedule hourly for 2026-11-22 06:00:00Z into 20261122T060000Z/; inputs fingerprint [0-9a-f]{64}$", scheduled.Message);

        var schedule = (await _store.GetScheduleAsync("hourly"))!;
        Assert.Equal(Six.AddHours(1), schedule.NextRunAt);
        Assert.Equal(job.Id, schedule.LastJobId);
        Assert.Equal(_clock.GetUtcNow(), schedule.LastRunAt);
        Assert.Equal((job.Id, Six.AddHours(1), TimeSpan.FromHours(1), true), (step.StartedJob, step.NextRunAt, step.Gap, step.LastRunGoing));
        Assert.Null(again.StartedJob);
    }

    [Fact]
    public async Task No_run_while_the_last_is_going_and_missed_occurrences_are_not_caught_up()
    {
        await CreateHourlyAsync("hourly");
        var runner = Runner();
        await runner.StepAsync("hourly", CancellationToken.None);
        var first = Assert.Single(await _store.ListJobsAsync());

        _clock.Now = Six.AddHours(1).AddSeconds(5); // due again; the first job is still pending
        await runner.StepAsync("hourly", CancellationToken.None);
        Assert.Single(await _store.ListJobsAsync());
        var schedule = (await _store.GetScheduleAsync("hourly"))!;
        Assert.Equal(Six.AddHours(2), schedule.NextRunAt);
        Assert.Equal(first.Id, schedule.LastJobId);

        // The job ends (cancelled, so an unchanged corpus does not hold the next run back); no coordinator runs from
        // 08:00 to 11:30. One run, for the occurrence that was due; the next is the first after now.
        Assert.True(await _store.CancelJobAsync(first.Id));
        _clock.Now = Six.AddHours(5).AddMinutes(30);
        await runner.StepAsync("hourly", CancellationToken.None);
        var jobs = await _store.ListJobsAsync();
        Assert.Equal(2, jobs.Count);
        var second = jobs.Single(j => j.Id != first.Id);
        Assert.Equal(Path.Combine(_dir, "out", "20261122T080000Z"), JobSpec.FromJson(second.SpecJson).Output);
        schedule = (await _store.GetScheduleAsync("hourly"))!;
        Assert.Equal(Six.AddHours(6), schedule.NextRunAt);
        Assert.Equal(second.Id, schedule.LastJobId);
    }

    [Fact]
    public async Task Latest_names_a_succeeded_run_only_once_its_SUCCESS_is_there()
    {
        await CreateHourlyAsync("hourly");
        var runner = Runner();
        await runner.StepAsync("hourly", CancellationToken.None);
        var job = Assert.Single(await _store.ListJobsAsync());
        var run = JobSpec.FromJson(job.SpecJson).Output;
        // The store says succeeded (as a job ended by an older build could, before its publication).
        Assert.True(await _store.PlanJobAsync(job.Id, [new NewShard(0, "{}")]));
        var lease = (await _store.LeaseShardAsync("w", new WorkerCapabilities("cpu", 0), [], TimeSpan.FromMinutes(1)))!;
        Assert.True(await _store.CompleteShardAsync(new ShardCompletion(lease.Key, lease.Attempt, "w", "part-00000-a1.parquet", 1, 1, "00", 0, 1, 0)));
        Assert.Equal(JobState.Succeeded, (await _store.TryCompleteJobAsync(job.Id))!.State);
        var latest = Path.Combine(_dir, "out", ScheduleRuns.LatestKey);

        await runner.StepAsync("hourly", CancellationToken.None);
        Assert.False(File.Exists(latest)); // no _SUCCESS in the run: a reader following _latest.json must not land there

        Directory.CreateDirectory(run);
        await File.WriteAllBytesAsync(Path.Combine(run, OutputLayout.Success), []);
        await runner.StepAsync("hourly", CancellationToken.None);
        using var named = System.Text.Json.JsonDocument.Parse(await File.ReadAllBytesAsync(latest));
        Assert.Equal((job.Id, "20261122T060000Z"), (named.RootElement.GetProperty("job").GetString(), named.RootElement.GetProperty("run").GetString()));
    }

    [Fact]
    public async Task Inputs_that_cannot_be_listed_still_run_and_planning_reports_them()
    {
        await CreateHourlyAsync("hourly", input: Path.Combine(_dir, "missing", "*.jsonl"));
        await Runner().StepAsync("hourly", CancellationToken.None);
        var job = Assert.Single(await _store.ListJobsAsync());
        var scheduled = Assert.Single(await _store.ReadEventsAsync(job.Id));
        Assert.DoesNotContain("fingerprint", scheduled.Message);
    }

    [Fact]
    public async Task A_broken_schedule_row_is_disabled_not_fired()
    {
        await _store.UpsertScheduleAsync(new ScheduleRecord("broken", "0 * * 13 *", "{\"job\": {}}", Six));
        Assert.Null(await Runner().StepAsync("broken", CancellationToken.None));
        Assert.Empty(await _store.ListJobsAsync());
        Assert.False((await _store.GetScheduleAsync("broken"))!.Enabled);
        Assert.Null(await Runner().StepAsync("broken", CancellationToken.None)); // disabled: nothing fires
    }

    [Theory]
    [InlineData("/data/out", "20261122T060000Z", "/data/out/20261122T060000Z")]
    [InlineData("az://vectors/corpus/", "20261122T060000Z", "az://vectors/corpus/20261122T060000Z")]
    [InlineData("https://a.blob.core.windows.net/c/p?sv=2024&sig=x%2B", "r", "https://a.blob.core.windows.net/c/p/r?sv=2024&sig=x%2B")]
    public void Run_folders_are_children_of_the_output_with_any_query_kept_last(string output, string run, string expected) =>
        Assert.Equal(expected, ScheduleRuns.Child(output, run));

    [Fact]
    public async Task Retention_deletes_only_run_folders_older_than_the_newest_kept_successful_runs()
    {
        var root = Path.Combine(_dir, "history");
        string[] files =
        [
            "20261120T000000Z/part-0.parquet", "20261120T000000Z/_manifest.json", "20261120T000000Z/_SUCCESS",
            "20261121T000000Z/part-0.parquet", "20261121T000000Z/_manifest.json",              // failed: no _SUCCESS
            "20261122T000000Z/part-0.parquet", "20261122T000000Z/_SUCCESS",
            "20261123T000000Z/part-0.parquet",                                                  // still running
            "_latest.json", "notes/20261119T000000Z.txt", "2026112T000000Z/x", "20261119T000000Z.parquet",
        ];
        foreach (var f in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, f))!);
            File.WriteAllText(Path.Combine(root, f), f);
        }
        var store = new LocationResolver().OpenFolder(root);
        Assert.Empty(await ScheduleRuns.PruneAsync(store, 0, CancellationToken.None));  // 0: keep all
        Assert.Empty(await ScheduleRuns.PruneAsync(store, 3, CancellationToken.None));  // fewer successes than asked: nothing
        Assert.Empty(await ScheduleRuns.PruneAsync(store, 2, CancellationToken.None));  // 20th and 22nd kept, nothing older
        Assert.Equal(["20261120T000000Z", "20261121T000000Z"], await ScheduleRuns.PruneAsync(store, 1, CancellationToken.None));
        var left = Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal);
        Assert.Equal(files.Where(f => !f.StartsWith("2026112" + "0T", StringComparison.Ordinal) && !f.StartsWith("20261121T", StringComparison.Ordinal)).Order(StringComparer.Ordinal), left);
    }

    [Theory]
    [InlineData("20261122T060000Z", true)]
    [InlineData("20261122T060000", false)]
    [InlineData("2026112xT060000Z", false)]
    [InlineData("20261122t060000Z", false)]
    [InlineData("_latest.json", false)]
    public void Run_names_are_recognised_exactly(string name, bool run) => Assert.Equal(run, ScheduleRuns.IsRunName(name));

    [Theory]
    [InlineData("nightly", true)]
    [InlineData("corpus-v2.daily_1", true)]
    [InlineData("", false)]
    [InlineData("Nightly", false)]
    [InlineData("-x", false)]
    [InlineData("a/b", false)]
    [InlineData("..", false)]
    public void Schedule_ids_are_checked(string id, bool ok) => Assert.Equal(ok, ScheduleTemplate.IdProblem(id) is null);

    private sealed class HandClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
