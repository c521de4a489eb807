namespace Clustering.Corpus.Tests;

public sealed class ShardPlanTests
{
    private static readonly CorpusOptions Options = new() { MaxDocumentBytes = BrokenCorpus.MaxDocumentBytes };

    [Fact]
    public async Task PlanningTheSameInputsTwiceGivesTheSameJsonAndTheJsonRoundTrips()
    {
        using var folder = new TempFolder();
        BrokenCorpus.Write(folder);
        var (first, _) = await PlanAsync(folder);
        var (second, _) = await PlanAsync(folder);

        Assert.Equal(first.ToJson(), second.ToJson());
        Assert.Equal(first.ComputeHash(), second.ComputeHash());
        var restored = ShardPlan.FromJson(first.ToJson());
        Assert.Equal(first.ToJson(), restored.ToJson());
        // A restored plan reads the same records as the original.
        Assert.Equal((await CorpusTestKit.ReadShardAsync(first, Options, 3)).Select(CorpusTestKit.Describe),
            (await CorpusTestKit.ReadShardAsync(restored, Options, 3)).Select(CorpusTestKit.Describe));
        Assert.Contains("\"eTag\":", first.ToJson());
        Assert.Contains("\"format\":\"GzipJsonLines\"", first.ToJson());
    }

    [Fact]
    public async Task AChangedInputIsFoundBeforeAResumeAndRefusedByTheReader()
    {
        using var folder = new TempFolder();
        BrokenCorpus.Write(folder);
        var (plan, stores) = await PlanAsync(folder);
        var planner = new ShardPlanner(stores);
        Assert.Empty(await planner.FindChangedInputsAsync(plan));

        File.AppendAllText(folder.Path + "/corpus/e.jsonl", "{\"text\":\"new\"}\n");
        File.Delete(folder.Path + "/corpus/g.jsonl");

        Assert.Equal([folder.Path + "/corpus/e.jsonl", folder.Path + "/corpus/g.jsonl"], (await planner.FindChangedInputsAsync(plan)).Select(i => i.Name));
        var shard = plan.Shards.First(s => s.Slices.Any(x => plan.Inputs[x.Input].Key == "e.jsonl"));
        var e = await Assert.ThrowsAsync<InputChangedException>(() => CorpusTestKit.ReadShardAsync(plan, Options, shard.Index));
        Assert.StartsWith($"{folder.Path}/corpus/e.jsonl: input changed since the job was planned (length ", e.Message);
    }

    [Theory]
    [InlineData("\"byteEnd\":", "\"byteEnd\":99999999999,\"x\":", "shard plan (shards[0]): slice of input")]
    [InlineData("\"version\":1", "\"version\":7", "shard plan (version): version 7; this build reads version 1")]
    [InlineData("\"input\":0", "\"input\":-3", "shard plan (shards[0]): a slice names no input")]
    public async Task ATamperedPlanIsRefusedWithTheFieldNamed(string find, string replace, string message)
    {
        using var folder = new TempFolder();
        folder.Write("a.jsonl", "{\"text\":\"x\"}\n");
        var (plan, _) = await PlanAsync(folder, "/a.jsonl");
        var json = plan.ToJson();
        var index = json.IndexOf(find, StringComparison.Ordinal);
        var tampered = json[..index] + replace + json[(index + find.Length)..];
        if (find == "\"byteEnd\":") tampered = tampered.Replace(",\"x\":13", ""); // keep it valid JSON
        Assert.StartsWith(message, Assert.Throws<InputFormatException>(() => ShardPlan.FromJson(tampered)).Message);
    }

    [Fact]
    public void NonsenseOptionsAreRefusedNamingTheOption()
    {
        Assert.Equal("--shard-docs: must be at least 1 (got 0)", Assert.Throws<ClusteringException>(() => CorpusOptions.CheckShardDocs(0)).Message);
        Assert.Equal("--id-field: 'meta..id' is not a field path (names separated by single dots)",
            Assert.Throws<ClusteringException>(() => new CorpusOptions { IdField = "meta..id" }.Validate()).Message);
        Assert.Equal($"--max-document-bytes: must be 16 to {1 << 30} (got {int.MaxValue})", Assert.Throws<ClusteringException>(() => new CorpusOptions { MaxDocumentBytes = int.MaxValue }.Validate()).Message);
    }

    private static async Task<(ShardPlan, InputStores)> PlanAsync(TempFolder folder, string relative = "/corpus")
    {
        var stores = new InputStores();
        var inputs = await new InputResolver(stores).ResolveAsync([folder.Path + relative]);
        return (await new ShardPlanner(stores).PlanAsync(inputs, Options, 1000), stores);
    }
}
