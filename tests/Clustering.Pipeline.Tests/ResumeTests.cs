using System.Text.Json;

namespace Clustering.Pipeline.Tests;

/// <summary>
/// `embedctl run` killed with SIGKILL mid-job, then the same command again: the job completes and the output holds
/// every document exactly once (DuckDB: count = count distinct id = documents); shards committed before the kill are
/// not redone; objects of the killed attempts are removed.
/// </summary>
public sealed class ResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clustering-resume-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Kill_9_mid_run_then_the_same_command_resumes_to_exactly_once()
    {
        var input = Path.Combine(_dir, "corpus.jsonl");
        var (good, _) = TestCorpus.Write(input, 12_000);
        var output = Path.Combine(_dir, "out");
        string[] args = ["run", "--input", input, "--model", TestCorpus.DemoModel, "--output", output, "--shard-docs", "300",
            "--max-length", "512", "--batch-tokens", "2048", "--threads", "1"];

        using (var first = Embedctl.Start(args))
        {
            // Wait until some shards are committed but not all, then kill without warning.
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (Directory.Exists(output) ? Directory.GetFiles(output, "part-*.parquet").Length < 3 : true)
            {
                if (first.HasExited) Assert.Fail($"run ended before it could be killed: {first.StandardError.ReadToEnd()}");
                Assert.True(DateTime.UtcNow < deadline, "no part files after 3 minutes");
                Thread.Sleep(20);
            }
            first.Kill();
            first.WaitForExit();
        }
        Assert.False(File.Exists(Path.Combine(output, "_SUCCESS")), "killed too late: " + string.Join(' ', Directory.GetFiles(output).Select(Path.GetFileName)));
        var committedBefore = Directory.GetFiles(output, "part-*.parquet").ToDictionary(f => Path.GetFileName(f), f => File.GetLastWriteTimeUtc(f));

        var (code, _, stderr) = Embedctl.Run(null, args);

        Assert.True(code == 0, stderr);
        Assert.Contains("succeeded: 12000 documents", stderr);
        var counts = DuckDb.Query($"SELECT count(*), count(DISTINCT id) FROM read_parquet('{DuckDb.Glob(output)}')")[0][0];
        Assert.Equal(good.Count, counts[0].GetInt64());
        Assert.Equal(good.Count, counts[1].GetInt64());
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "_manifest.json"))).RootElement;
        var named = manifest.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("key").GetString()!).ToHashSet();
        Assert.Equal(40, named.Count);
        Assert.True(named.SetEquals(Directory.GetFiles(output, "part-*.parquet").Select(f => Path.GetFileName(f))), "only the manifest's parts remain");
        // The parts committed before the kill were kept as they were (a part that was mid-write is not in the manifest).
        foreach (var (name, written) in committedBefore)
            if (named.Contains(name)) Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(output, name)));
    }
}
