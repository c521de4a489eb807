using System.Globalization;
using Azure.Storage.Queues;
using Clustering.Client;
using Clustering.Streaming.Tests;
using Xunit.Abstractions;

namespace Clustering.Integration.Tests;

/// <summary>
/// Stream jobs through the real processes: an embed-silo reading an Azure queue on Azurite, jobs made and driven with
/// embedctl, a producer publishing plain JSON lines with the Azure SDK while the job runs, and kill -9 of the silo
/// mid-window followed by a restart. DuckDB reads every window. CI runs 3,000 events (~300 queue messages: Azurite
/// takes ~60-300 messages/s on 2 cores); the issue's 20,000 events with 200 bad ones and 500 deletions:
/// <c>STREAM_SILO_EVENTS=20000 dotnet test tests/Clustering.Integration.Tests --filter StreamSiloTests</c>.
/// </summary>
public sealed class StreamSiloTests(ITestOutputHelper log)
{
    private const string Source = "azqueue://devstoreaccount1/docs";

    [Fact]
    public async Task Kill_9_of_the_silo_mid_window_then_restart_commits_every_event_exactly_once()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("STREAM_SILO_EVENTS"), out var n) ? n : 3000;
        var events = DocumentEvents.Make(count, badEvery: 100, updateEvery: 29, deletions: count / 40);
        Assert.Equal(count / 100, events.Bad.Count);
        Assert.Equal(count / 40, events.Deletions);
        await using var azurite = await AzuriteQueue.StartAsync();
        var queue = new QueueClient(azurite.ConnectionString, "docs");
        await queue.CreateIfNotExistsAsync();
        using var silos = new Silos(azurite.ConnectionString);
        var url = await silos.StartAsync();
        var output = Path.Combine(silos.Work, "out");
        await CreateJobAsync(url, output, windowDocs: 500, windowSeconds: 2);

        // Ten events per message; the message id of each bad event, as the queue assigned it, is what _errors/ must name.
        var messageOf = new Dictionary<string, (string Id, int Line)>(StringComparer.Ordinal);
        var messages = events.Texts.Chunk(10).ToList();
        using var client = new ClusterClient(url);
        var killed = false;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < messages.Count; i++)
        {
            var receipt = (await queue.SendMessageAsync(string.Join('\n', messages[i]))).Value;
            for (var line = 0; line < messages[i].Length; line++)
                if (events.Bad.Contains(messages[i][line])) messageOf[messages[i][line]] = (receipt.MessageId, line + 1);
            if (i % 10 == 9) await Task.Delay(20);
            if (!killed && i >= messages.Count / 3)
            {
                // Mid-window: a window committed already and received events wait in the open one.
                var status = await client.GetStreamAsync("docs-job");
                // A silo slowed by a loaded machine may commit its first window only after most events were sent: hold
                // the last third back until it has, so that events are still arriving when the silo is killed.
                for (var held = System.Diagnostics.Stopwatch.StartNew(); status.CommittedWindows == 0 && i >= messages.Count * 2 / 3
                         && held.Elapsed < TimeSpan.FromSeconds(120); status = await client.GetStreamAsync("docs-job"))
                    await Task.Delay(200);
                if (status.CommittedWindows == 0 || status.LagEvents == 0) continue;
                silos.KillHard();
                killed = true;
                url = await silos.StartAsync();
            }
        }
        Assert.True(killed, "the silo was never killed mid-window");
        var published = clock.Elapsed;

        // The wait scales with the events: the tiny model embeds a few hundred events/s on the one thread it is given.
        using var after = new ClusterClient(url);
        var final = await WaitForCommittedAsync(after, events.Texts.Count, TimeSpan.FromSeconds(Math.Max(240, count / 25)), silos);
        var committed = clock.Elapsed;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{count} events ({events.Bad.Count} bad, {events.Deletions} deletions) in {messages.Count} queue messages: " +
            $"published in {published.TotalSeconds:F1} s, all committed after {committed.TotalSeconds:F1} s (kill -9 and restart included) = " +
            $"{count / committed.TotalSeconds:F0} events/s, {final.CommittedWindows} windows"));
        Assert.Equal(events.Texts.Count, final.CommittedEvents);
        Assert.Equal(events.Bad.Count, final.CommittedErrors);
        Assert.Equal(0, final.LagEvents);
        StreamOutput.AssertExactlyOnce(output, events);
        foreach (var (text, position, _) in StreamOutput.Errors(output))
        {
            var (id, line) = messageOf[text];
            Assert.Equal($"{Source} message {id} line {line}", position);
        }
        var latest = File.ReadAllText(Path.Combine(output, "_latest.json"));
        Assert.Contains(final.LatestWindow!, latest);

        var (exit, stdout, stderr) = await TestCluster.CliAsync(["stream", "show", "docs-job", "--cluster", url.ToString()]);
        Assert.True(exit == 0, stderr);
        Assert.Contains($"events:     {events.Texts.Count} committed, {events.Bad.Count} bad", stdout);
        Assert.Contains("lag:        0 events, 0.0 s behind", stdout);
    }

    [Fact]
    public async Task Stream_commands_create_refuse_pause_resume_and_delete_through_the_silo()
    {
        await using var azurite = await AzuriteQueue.StartAsync();
        var queue = new QueueClient(azurite.ConnectionString, "docs");
        await queue.CreateIfNotExistsAsync();
        using var silos = new Silos(azurite.ConnectionString);
        var url = await silos.StartAsync();
        var cluster = url.ToString();
        var output = Path.Combine(silos.Work, "out");

        // Refusals: one line each, naming what is wrong, exit 2 (the silo refused what was sent).
        var unknown = await TestCluster.CliAsync(["stream", "create", "other", "--source", "azqueue://devstoreaccount1/nope", "--model", RepoPaths.TinyModel,
            "--output", output, "--cluster", cluster]);
        Assert.Equal(2, unknown.Exit);
        Assert.Equal("embedctl stream create: POST " + cluster + "v1/streams: 400 Bad Request: stream: --source azqueue://devstoreaccount1/nope: " +
            "not read by this cluster's silos (configured: azqueue://devstoreaccount1/docs)", unknown.Stderr.Trim());
        var badSource = await TestCluster.CliAsync(["stream", "create", "other", "--source", "kafka://x/y", "--model", RepoPaths.TinyModel, "--output", output,
            "--cluster", cluster]);
        Assert.Equal(2, badSource.Exit);
        Assert.Contains("--source 'kafka://x/y': expected azqueue://ACCOUNT/QUEUE", badSource.Stderr);
        Assert.Single(badSource.Stderr.Trim().Split('\n'));

        await CreateJobAsync(url, output, windowDocs: 1000, windowSeconds: 0.5);
        var twice = await TestCluster.CliAsync(["stream", "create", "second", "--source", Source, "--model", RepoPaths.TinyModel, "--output", output + "2",
            "--cluster", cluster]);
        Assert.Equal(2, twice.Exit);
        Assert.Contains("stream job 'docs-job' already consumes it", twice.Stderr);

        // Paused: events are received (lag grows) but no window is committed until resume.
        Assert.Equal(0, (await TestCluster.CliAsync(["stream", "pause", "docs-job", "--cluster", cluster])).Exit);
        await queue.SendMessageAsync("{\"id\": \"a\", \"text\": \"first\", \"v\": \"1\", \"seq\": \"1\"}\n{\"id\": \"b\", \"text\": \"second\", \"v\": \"1\", \"seq\": \"2\"}");
        using var client = new ClusterClient(url);
        var paused = await WaitAsync(client, s => s.LagEvents == 2, TimeSpan.FromSeconds(60), silos);
        Assert.Equal(("paused", 0L), (paused.State, paused.CommittedWindows));
        var list = await TestCluster.CliAsync(["stream", "list", "--cluster", cluster]);
        Assert.Matches(@"\ndocs-job +paused +0 +0 +2 ev / ", list.Stdout);

        Assert.Equal(0, (await TestCluster.CliAsync(["stream", "resume", "docs-job", "--cluster", cluster])).Exit);
        var resumed = await WaitAsync(client, s => s.CommittedEvents == 2, TimeSpan.FromSeconds(60), silos);
        Assert.Equal(("running", 1L, 0L), (resumed.State, resumed.CommittedWindows, resumed.LagEvents));

        var deleted = await TestCluster.CliAsync(["stream", "delete", "docs-job", "--cluster", cluster]);
        Assert.Equal((0, "stream job docs-job deleted; its windows stay in its output"), (deleted.Exit, deleted.Stdout.Trim()));
        Assert.Single(Directory.GetDirectories(output, "window=*"));
        var gone = await TestCluster.CliAsync(["stream", "show", "docs-job", "--cluster", cluster]);
        Assert.Equal((1, $"embedctl stream show: GET {cluster}v1/streams/docs-job: 404 Not Found: no stream job docs-job"), (gone.Exit, gone.Stderr.Trim()));
    }

    private static async Task CreateJobAsync(Uri url, string output, int windowDocs, double windowSeconds)
    {
        var (exit, stdout, stderr) = await TestCluster.CliAsync(["stream", "create", "docs-job", "--source", Source, "--model", RepoPaths.TinyModel,
            "--output", output, "--keep-fields", "v,seq", "--window-docs", windowDocs.ToString(CultureInfo.InvariantCulture),
            "--window-seconds", windowSeconds.ToString(CultureInfo.InvariantCulture), "--cluster", url.ToString()]);
        Assert.True(exit == 0, stderr);
        Assert.StartsWith($"stream job docs-job: running, reading {Source}, windows of {windowDocs} events", stdout);
    }

    private static Task<StreamView> WaitForCommittedAsync(ClusterClient client, long events, TimeSpan timeout, Silos silos) =>
        WaitAsync(client, s => s.CommittedEvents >= events && s.LagEvents == 0, timeout, silos);

    private static async Task<StreamView> WaitAsync(ClusterClient client, Func<StreamView, bool> condition, TimeSpan timeout, Silos silos)
    {
        var until = DateTime.UtcNow + timeout;
        StreamView? last = null;
        while (DateTime.UtcNow < until)
        {
            try
            {
                last = await client.GetStreamAsync("docs-job");
                if (condition(last)) return last;
            }
            catch (ClusterApiException) { /* the silo is starting again */ }
            await Task.Delay(200);
        }
        throw new TimeoutException($"stream job not as expected within {timeout.TotalSeconds} s: {last}\n{silos.Logs()}");
    }

    /// <summary>One embed-silo at a time on a sqlite store in a work folder, reading the Azurite queue; started again on the same ports after a kill.</summary>
    private sealed class Silos(string queueConnection) : IDisposable
    {
        private readonly List<ChildProcess> _started = [];
        private readonly int _api = TemporaryPostgres.FreePort(), _silo = TemporaryPostgres.FreePort(), _gateway = TemporaryPostgres.FreePort();

        public string Work { get; } = Directory.CreateTempSubdirectory("clustering-stream-it-").FullName;

        public async Task<Uri> StartAsync()
        {
            var url = new Uri($"http://127.0.0.1:{_api}/");
            var silo = ChildProcess.Start(RepoPaths.Silo,
                ["--store", "sqlite:" + Path.Combine(Work, "store.db"), "--listen", url.ToString().TrimEnd('/'), "--threads", "1",
                 "--silo-port", _silo.ToString(CultureInfo.InvariantCulture), "--gateway-port", _gateway.ToString(CultureInfo.InvariantCulture),
                 "--stream-sources", Source],
                new Dictionary<string, string> { ["CLUSTERING_QUEUECONNECTION"] = queueConnection });
            _started.Add(silo);
            await silo.WaitForLineAsync("listening ", TimeSpan.FromSeconds(90));
            return url;
        }

        public void KillHard() => _started[^1].KillHard();

        public string Logs() => string.Join("\n", _started.Select((s, i) => $"----- silo run {i} -----\n{s.Output}"));

        public void Dispose()
        {
            foreach (var silo in _started) silo.Dispose();
            try { Directory.Delete(Work, recursive: true); } catch (IOException) { }
        }
    }
}
