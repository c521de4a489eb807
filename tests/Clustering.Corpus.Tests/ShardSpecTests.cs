namespace Clustering.Corpus.Tests;

/// <summary>
/// A shard's spec is what shard rows store. Rows written by earlier builds (a plan of one shard at index 0) must read,
/// read their documents, and be written back byte for byte, and the planner must still emit exactly those bytes, or a
/// resumed job would not find its shards. The rows below were printed by the build before ShardSpec existed
/// (JobPlanner.ShardsOf of commit 2396303) for the corpus <see cref="WriteCorpus"/> makes, its folder replaced by {root}.
/// </summary>
public sealed class ShardSpecTests
{
    private static readonly string[] StoredRows =
    [
        """{"version":1,"shardDocuments":1,"textMode":"File","inputs":[{"name":"{root}/a.jsonl","root":"{root}","key":"a.jsonl","format":"JsonLines","length":25,"eTag":"\u00229C363DBC52BA6683\u0022","lastModified":"2026-11-22T06:00:00+00:00"}],"shards":[{"index":0,"documents":1,"slices":[{"input":0,"byteStart":0,"byteEnd":25,"firstLine":1,"lines":1,"toEnd":true}]}]}""",
        """{"version":1,"shardDocuments":1,"textMode":"File","inputs":[{"name":"{root}/b.jsonl","root":"{root}","key":"b.jsonl","format":"JsonLines","length":52,"eTag":"\u00228012302ED308266C\u0022","lastModified":"2026-11-22T06:00:00+00:00"}],"shards":[{"index":0,"documents":1,"slices":[{"input":0,"byteStart":0,"byteEnd":25,"firstLine":1,"lines":1,"toEnd":false}]}]}""",
        """{"version":1,"shardDocuments":1,"textMode":"File","inputs":[{"name":"{root}/b.jsonl","root":"{root}","key":"b.jsonl","format":"JsonLines","length":52,"eTag":"\u00228012302ED308266C\u0022","lastModified":"2026-11-22T06:00:00+00:00"}],"shards":[{"index":0,"documents":1,"slices":[{"input":0,"byteStart":25,"byteEnd":52,"firstLine":2,"lines":1,"toEnd":true}]}]}""",
    ];

    private static readonly CorpusOptions Options = new();

    /// <summary>Two files with a fixed modification time, so their fingerprints (length, ETag) are those in <see cref="StoredRows"/>.</summary>
    private static TempFolder WriteCorpus()
    {
        var folder = new TempFolder();
        var when = new DateTime(2026, 11, 22, 6, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(folder.Write("a.jsonl", "{\"id\":\"a1\",\"text\":\"one\"}\n"), when);
        File.SetLastWriteTimeUtc(folder.Write("b.jsonl", "{\"id\":\"b1\",\"text\":\"two\"}\n{\"id\":\"b2\",\"text\":\"three\"}\n"), when);
        return folder;
    }

    [Fact]
    public async Task ARowStoredByAnEarlierBuildReadsItsDocumentsAndIsWrittenBackByteForByte()
    {
        using var folder = WriteCorpus();
        var row = StoredRows[2].Replace("{root}", folder.Path, StringComparison.Ordinal);

        var spec = ShardSpec.FromJson(row);
        Assert.Equal(row, spec.ToJson());
        Assert.Equal((1L, TextMode.File, 1, "b.jsonl"), (spec.Documents, spec.TextMode, spec.ShardDocuments, Assert.Single(spec.Inputs).Key));

        var records = new List<CorpusRecord>();
        await foreach (var record in new ShardReader(new InputStores(), Options).ReadAsync(spec)) records.Add(record);
        var document = Assert.IsType<Document>(Assert.Single(records));
        Assert.Equal(("b2", "three", folder.Path + "/b.jsonl", 2L), (document.Id, document.Text, document.Source, document.Line));
    }

    [Fact]
    public async Task ThePlannerStillEmitsTheBytesEarlierBuildsStored()
    {
        using var folder = WriteCorpus();
        var stores = new InputStores();
        var inputs = await new InputResolver(stores).ResolveAsync([folder.Path]);
        var plan = await new ShardPlanner(stores).PlanAsync(inputs, Options, shardDocuments: 1);
        Assert.Equal(StoredRows.Select(r => r.Replace("{root}", folder.Path, StringComparison.Ordinal)),
            Enumerable.Range(0, plan.Shards.Count).Select(i => plan.SpecOf(i).ToJson()));
    }

    [Fact]
    public async Task ASpecHoldsExactlyOneShard()
    {
        using var folder = WriteCorpus();
        var stores = new InputStores();
        var plan = await new ShardPlanner(stores).PlanAsync(await new InputResolver(stores).ResolveAsync([folder.Path]), Options, shardDocuments: 1);
        Assert.Equal("shard spec (shards): 3 shards; a shard's spec holds exactly one",
            Assert.Throws<InputFormatException>(() => ShardSpec.FromJson(plan.ToJson())).Message);
    }
}
