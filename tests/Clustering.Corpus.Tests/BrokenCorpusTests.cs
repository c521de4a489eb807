namespace Clustering.Corpus.Tests;

public sealed class BrokenCorpusTests
{
    private static readonly CorpusOptions Options = new() { MaxDocumentBytes = BrokenCorpus.MaxDocumentBytes };
    private const int ShardDocs = 1000;

    [Fact]
    public async Task EveryShardTogetherYieldsEachGoodDocumentOnceAndAnErrorNamingFileAndLineForEachBadLine()
    {
        using var folder = new TempFolder();
        var corpus = BrokenCorpus.Write(folder);
        Assert.Equal(10_000, corpus.Lines.Count);
        Assert.Equal(50, BrokenCorpus.BadKindCount);

        var (plan, records) = await CorpusTestKit.PlanAndReadAsync([folder.Path + "/corpus"], Options, ShardDocs);

        Assert.Equal(7, plan.Inputs.Count);
        Assert.True(plan.Shards.Count >= 10, $"{plan.Shards.Count} shards");
        var documents = records.OfType<Document>().ToList();
        var errors = records.OfType<DocumentError>().ToList();
        var expectedDocuments = corpus.Lines.Where(l => l.Id is not null).ToList();
        var expectedErrors = corpus.Lines.Where(l => l.ErrorContains is not null).ToList();

        Assert.Equal(documents.Count, documents.Select(d => d.Id).Distinct().Count());
        Assert.Equal(expectedDocuments.Count, documents.Count);
        var byId = documents.ToDictionary(d => d.Id);
        foreach (var expected in expectedDocuments)
        {
            Assert.True(byId.TryGetValue(expected.Id!, out var document), $"missing {expected.Id} ({expected.Source}:{expected.Line})");
            Assert.Equal(expected.Text, document.Text);
            Assert.Equal(expected.Source, document.Source);
            Assert.Equal(expected.Line, document.Line);
        }

        Assert.Equal(expectedErrors.Count, errors.Count);
        var errorAt = errors.ToDictionary(e => (e.Source, e.Line));
        foreach (var expected in expectedErrors)
        {
            Assert.True(errorAt.TryGetValue((expected.Source, expected.Line), out var error), $"no error for {expected.Source}:{expected.Line}");
            Assert.Contains(expected.ErrorContains!, error.Reason);
        }
        // 500 damaged lines, 50 of each kind; the 50 without an id are documents with generated ids, not errors;
        // one more error: f.ndjson's last line is cut mid-string.
        Assert.Equal(450 + 1, errors.Count);
        Assert.Equal(50, documents.Count(d => d.Id == $"{d.Source}:{d.Line}"));
    }

    // A broken .gz is a bad FILE, not bad lines: planning (which reads every gzip input to count its lines) refuses it
    // naming the file, so a truncated archive can never end as a "successful" half output.
    [Fact]
    public async Task ATruncatedGzipIsABadFileNamingItAndTheLinesBeforeTheBreak_SkippedOnlyWhenAsked()
    {
        using var folder = new TempFolder();
        var lines = Enumerable.Range(1, 30_000).Select(i => $"{{\"id\":\"t{i}\",\"text\":\"line {i} {new string('z', i % 50)}\"}}\n");
        var whole = CorpusTestKit.Gzip(System.Text.Encoding.UTF8.GetBytes(string.Concat(lines)));
        folder.Write("t.jsonl.gz", whole[..(whole.Length * 2 / 3)]);
        folder.Write("u.jsonl", "{\"id\":\"u1\",\"text\":\"fine\"}\n"u8.ToArray());

        var e = await Assert.ThrowsAsync<InputFileException>(() => CorpusTestKit.PlanAndReadAsync([folder.Path], Options, ShardDocs));
        Assert.Equal(folder.Path + "/t.jsonl.gz", e.Input);
        Assert.Matches(@"^gzip stream ends early \(truncated file\), after \d+ lines$", e.Reason);
        Assert.InRange(long.Parse(System.Text.RegularExpressions.Regex.Match(e.Reason, @"after (\d+) lines").Groups[1].Value), 1000, 29_999);

        var (plan, records) = await CorpusTestKit.PlanAndReadAsync([folder.Path], Options with { SkipBadFiles = true }, ShardDocs);
        Assert.Equal(["u1"], records.OfType<Document>().Select(d => d.Id));
        Assert.Empty(records.OfType<DocumentError>());
        var skipped = Assert.Single(plan.SkippedFiles!);
        Assert.StartsWith(folder.Path + "/t.jsonl.gz: gzip stream ends early (truncated file), after ", skipped);
    }

    [Theory]
    [InlineData(0)]     // empty file: no gzip header at all
    [InlineData(5)]     // a header cut short
    public async Task AGzipWithNothingReadableIsABadFile(int keep)
    {
        using var folder = new TempFolder();
        folder.Write("x.jsonl.gz", CorpusTestKit.Gzip("{\"id\":1,\"text\":\"a\"}\n"u8.ToArray())[..keep]);
        var e = await Assert.ThrowsAsync<InputFileException>(() => CorpusTestKit.PlanAndReadAsync([folder.Path + "/x.jsonl.gz"], Options, ShardDocs));
        Assert.Equal(folder.Path + "/x.jsonl.gz", e.Input);
        Assert.StartsWith("gzip stream ends early (truncated file), after 0 lines", e.Reason);
    }

    [Fact]
    public async Task ACorruptGzipOrAFileThatIsNotGzipIsABadFile()
    {
        using var folder = new TempFolder();
        var data = CorpusTestKit.Gzip(System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, 5000).Select(i => $"{{\"text\":\"{i} {(uint)(i * 2654435761u):x8}\"}}\n"))));
        for (var i = data.Length / 2; i < data.Length / 2 + 64; i++) data[i] ^= 0x5A;
        folder.Write("x.jsonl.gz", data);
        var e = await Assert.ThrowsAsync<InputFileException>(() => CorpusTestKit.PlanAndReadAsync([folder.Path + "/x.jsonl.gz"], Options, ShardDocs));
        Assert.StartsWith("corrupt gzip data: ", e.Reason);

        folder.Write("y.jsonl.gz", "{\"id\":1,\"text\":\"plain, not gzip\"}\n"u8.ToArray());
        e = await Assert.ThrowsAsync<InputFileException>(() => CorpusTestKit.PlanAndReadAsync([folder.Path + "/y.jsonl.gz"], Options, ShardDocs));
        Assert.StartsWith("corrupt gzip data: incorrect header check, after 0 lines", e.Reason);
    }

    [Fact]
    public async Task ConcatenatedGzipMembersAreReadAsOneFile()
    {
        using var folder = new TempFolder();
        var first = CorpusTestKit.Gzip("{\"id\":\"a\",\"text\":\"one\"}\n"u8.ToArray());
        var second = CorpusTestKit.Gzip("{\"id\":\"b\",\"text\":\"two\"}\n{\"id\":\"c\",\"text\":\"three\"}"u8.ToArray());
        folder.Write("m.jsonl.gz", [.. first, .. second]);
        var (_, records) = await CorpusTestKit.PlanAndReadAsync([folder.Path + "/m.jsonl.gz"], Options, ShardDocs);
        Assert.Equal(["a:1", "b:2", "c:3"], records.Select(r => r is Document d ? $"{d.Id}:{d.Line}" : r.ToString()));
    }
}
