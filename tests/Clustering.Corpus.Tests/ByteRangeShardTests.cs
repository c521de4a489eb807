using System.Text;

namespace Clustering.Corpus.Tests;

public sealed class ByteRangeShardTests
{
    private static string BigFile(int lines, bool crlf)
    {
        var text = new StringBuilder();
        for (var i = 1; i <= lines; i++)
        {
            text.Append(i % 37 == 0 ? "{broken" : $"{{\"id\":\"r{i}\",\"text\":\"{new string('w', i % 300)} {i}\"}}");
            if (i % 101 == 0) text.Append(crlf ? "\r\n" : "\n"); // blank lines count as lines
            text.Append(crlf ? "\r\n" : "\n");
        }
        return text.ToString();
    }

    [Theory]
    [InlineData(10_000, false)]
    [InlineData(9_321, true)]
    public async Task OneBigFileIsCutIntoAdjacentByteRangesWhoseReadsConcatenateToTheWholeFileRead(int lines, bool crlf)
    {
        using var folder = new TempFolder();
        var path = folder.Write("big.jsonl", BigFile(lines, crlf));
        var length = new FileInfo(path).Length;
        var options = new CorpusOptions();

        var (plan, records) = await CorpusTestKit.PlanAndReadAsync([path], options, 1000);
        var (wholePlan, whole) = await CorpusTestKit.PlanAndReadAsync([path], options, 1_000_000);

        var fileLines = File.ReadAllBytes(path).Count(b => b == (byte)'\n');
        Assert.Equal((fileLines + 999) / 1000, plan.Shards.Count);
        Assert.Single(wholePlan.Shards);
        long expectedStart = 0, expectedLine = 1;
        foreach (var shard in plan.Shards)
        {
            var slice = Assert.Single(shard.Slices);
            Assert.Equal(expectedStart, slice.ByteStart);
            Assert.Equal(expectedLine, slice.FirstLine);
            Assert.True(slice.ByteEnd > slice.ByteStart);
            // Each cut is right after a '\n'.
            if (slice.ByteEnd < length) Assert.Equal((byte)'\n', File.ReadAllBytes(path)[slice.ByteEnd - 1]);
            expectedStart = slice.ByteEnd;
            expectedLine += slice.Lines;
        }
        Assert.Equal(length, expectedStart);
        Assert.Equal(fileLines, plan.Documents);
        Assert.Equal(whole.Select(CorpusTestKit.Describe), records.Select(CorpusTestKit.Describe));
        Assert.Equal(lines - lines / 37, records.OfType<Document>().Count());
        Assert.Equal(lines / 37, records.OfType<DocumentError>().Count());
    }

    [Fact]
    public async Task GzipShardsAreLineRangesWhoseReadsConcatenateToTheWholeFileRead()
    {
        using var folder = new TempFolder();
        var path = folder.Write("big.jsonl.gz", CorpusTestKit.Gzip(Encoding.UTF8.GetBytes(BigFile(4_500, false))));
        var options = new CorpusOptions();

        var (plan, records) = await CorpusTestKit.PlanAndReadAsync([path], options, 1000);
        var (_, whole) = await CorpusTestKit.PlanAndReadAsync([path], options, 1_000_000);

        var slices = plan.Shards.Select(s => Assert.Single(s.Slices)).ToList();
        Assert.Equal([1L, 1001, 2001, 3001, 4001], slices.Select(s => s.FirstLine));
        Assert.Equal([false, false, false, false, true], slices.Select(s => s.ToEnd));
        Assert.All(slices, s => Assert.Equal((0L, new FileInfo(path).Length), (s.ByteStart, s.ByteEnd)));
        Assert.Equal(whole.Select(CorpusTestKit.Describe), records.Select(CorpusTestKit.Describe));
    }

    [Fact]
    public async Task SmallFilesShareShardsAndAreNeverSplitWhileALargeFileStartsItsOwn()
    {
        using var folder = new TempFolder();
        string Lines(int n, string tag) => string.Concat(Enumerable.Range(1, n).Select(i => $"{{\"id\":\"{tag}{i}\",\"text\":\"x\"}}\n"));
        folder.Write("d/a.jsonl", Lines(400, "a"));
        folder.Write("d/b.jsonl", Lines(500, "b"));
        folder.Write("d/c.jsonl", Lines(300, "c"));   // does not fit beside a+b: new shard
        folder.Write("d/d.jsonl", Lines(2_500, "d")); // large: own shards 1000, 1000, then 500 left open
        folder.Write("d/e.jsonl", Lines(200, "e"));   // joins d's open remainder
        folder.Write("d/f.jsonl", "");                // empty: nothing to read

        var (plan, records) = await CorpusTestKit.PlanAndReadAsync([folder.Path + "/d"], new CorpusOptions(), 1000);

        var layout = plan.Shards.Select(s => string.Join("+", s.Slices.Select(x => $"{plan.Inputs[x.Input].Key}@{x.FirstLine}:{x.Lines}")));
        Assert.Equal(["a.jsonl@1:400+b.jsonl@1:500", "c.jsonl@1:300", "d.jsonl@1:1000", "d.jsonl@1001:1000", "d.jsonl@2001:500+e.jsonl@1:200"], layout);
        Assert.Equal(3_900, records.OfType<Document>().Count());
        Assert.Equal(6, plan.Inputs.Count);
    }
}
