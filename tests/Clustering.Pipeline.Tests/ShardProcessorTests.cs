using Clustering.Corpus;
using Clustering.Hosting;
using Clustering.Jobs;
using Clustering.Storage;

namespace Clustering.Pipeline.Tests;

/// <summary>
/// The shard processor's signal that a shard has left the device: a worker leases its next shard on it, so that
/// reading and tokenizing the next overlap this one's Parquet tail and upload. It must come once, only when the
/// last window was embedded, and never for a shard that failed.
/// </summary>
public sealed class ShardProcessorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clustering-shard-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(ShardProcessor Processor, JobContext Job, ShardSpec Plan, Clustering.Inference.EmbeddingModel Model)> PlanAsync(string input, int documents)
    {
        TestCorpus.Write(input, documents);
        var spec = new JobSpecBuilder { Input = input, Output = Path.Combine(_dir, "out"), ShardDocs = documents }.Build();
        var inputs = new InputStores();
        var plan = await new JobPlanner(inputs).PlanAsync(spec);
        var model = EngineFactory.Load(spec, "cpu", 1);
        Directory.CreateDirectory(spec.Output);
        var job = new JobContext("job-test", spec, new LocalBlobStore(spec.Output));
        return (new ShardProcessor(model, inputs, new JobProgress(), tokenizerThreads: 2, tempFolder: _dir), job,
            JobPlanner.ReadShardSpec(JobPlanner.ShardsOf(plan)[0].SpecJson), model);
    }

    [Fact]
    public async Task Leaving_the_device_is_signalled_once_before_the_shard_is_done()
    {
        var (processor, job, plan, model) = await PlanAsync(Path.Combine(_dir, "corpus.jsonl"), 300);
        using var _ = model;
        var signals = 0;
        var outcome = await processor.ProcessAsync(job, 0, 1, plan, CancellationToken.None, deviceDone: () => Interlocked.Increment(ref signals));
        Assert.Equal(1, signals);
        Assert.Equal(300, outcome.Rows);
        Assert.True(File.Exists(Path.Combine(_dir, "out", outcome.OutputKey)));
    }

    [Fact]
    public async Task A_shard_that_fails_never_signals_that_it_left_the_device()
    {
        var input = Path.Combine(_dir, "corpus.jsonl");
        var (processor, job, plan, model) = await PlanAsync(input, 300);
        using var _ = model;
        // The input changes after planning: the reader refuses it and the shard fails before any window is embedded.
        File.WriteAllText(input, "{\"id\": \"other\", \"text\": \"another corpus\"}\n");
        var signals = 0;
        var error = await Assert.ThrowsAsync<InputChangedException>(() =>
            processor.ProcessAsync(job, 0, 1, plan, CancellationToken.None, deviceDone: () => Interlocked.Increment(ref signals)));
        Assert.Contains("corpus.jsonl", error.Message);
        Assert.Equal(0, signals);
    }
}
