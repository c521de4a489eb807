namespace Clustering.Corpus.Tests;

public sealed class TextModeTests
{
    [Fact]
    public async Task FileModeMakesEachFileOneDocumentAndGroupsNFilesPerShard()
    {
        using var folder = new TempFolder();
        for (var i = 0; i < 25; i++) folder.Write($"notes/n{i:00}.txt", $"note {i}\r\nsecond line\n");
        folder.Write("notes/bom.md", [0xEF, 0xBB, 0xBF, .. "# title"u8]);
        folder.Write("notes/empty.txt", "");
        folder.Write("notes/zipped.txt.gz", CorpusTestKit.Gzip("compressed note"u8.ToArray()));
        var options = new CorpusOptions { TextMode = TextMode.File, KeepFields = ["x"] };

        var (plan, records) = await CorpusTestKit.PlanAndReadAsync([folder.Path + "/notes/"], options, 10);

        Assert.Equal([10L, 10, 8], plan.Shards.Select(s => s.Documents));
        var documents = records.Cast<Document>().ToDictionary(d => d.Id);
        Assert.Equal(28, documents.Count);
        Assert.Equal("note 3\r\nsecond line\n", documents[folder.Path + "/notes/n03.txt"].Text);
        Assert.Equal("# title", documents[folder.Path + "/notes/bom.md"].Text);
        Assert.Equal("", documents[folder.Path + "/notes/empty.txt"].Text);
        Assert.Equal("compressed note", documents[folder.Path + "/notes/zipped.txt.gz"].Text);
        Assert.All(documents.Values, d => Assert.Equal<string?[]>([null], d.KeptFields));
    }

    [Fact]
    public async Task FileModeRefusesOversizeAndInvalidUtf8FilesAsErrors()
    {
        using var folder = new TempFolder();
        folder.Write("big.txt", new string('a', 5000));
        folder.Write("bad.txt", [0x61, 0xFF, 0x62]);
        folder.Write("bigz.txt.gz", CorpusTestKit.Gzip(new byte[100_000]));
        var options = new CorpusOptions { TextMode = TextMode.File, MaxDocumentBytes = 4096 };

        var records = (await CorpusTestKit.PlanAndReadAsync([folder.Path], options)).Records;

        Assert.Equal(
            [$"{folder.Path}/bad.txt:1: invalid UTF-8 at byte 1 of the file",
             $"{folder.Path}/big.txt:1: file of 5000 bytes is over --max-document-bytes 4096",
             $"{folder.Path}/bigz.txt.gz:1: file of more than 4096 bytes is over --max-document-bytes 4096"],
            records.Select(r => r.ToString()));
    }

    [Fact]
    public async Task LineModeMakesEachNonBlankLineADocumentWithAFileAndLineId()
    {
        using var folder = new TempFolder();
        var path = folder.Write("lines.txt", [0xEF, 0xBB, 0xBF, .. "first\r\n\r\n  \nthird {\"not\": json}\n\xC3\n last"u8]);
        var records = (await CorpusTestKit.PlanAndReadAsync([path], new CorpusOptions { TextMode = TextMode.Line })).Records;
        Assert.Equal(
            [$"D {path}:1 id={path}:1 text=first kept=[]", $"D {path}:4 id={path}:4 text=third {{\"not\": json}} kept=[]",
             $"D {path}:5 id={path}:5 text=Ã kept=[]", $"D {path}:6 id={path}:6 text= last kept=[]"],
            records.Select(CorpusTestKit.Describe));
    }

    [Fact]
    public async Task LineModeReportsInvalidUtf8ByLine()
    {
        using var folder = new TempFolder();
        var path = folder.Write("lines.txt", [.. "ok\n"u8, 0x80, .. "\nok\n"u8]);
        var records = (await CorpusTestKit.PlanAndReadAsync([path], new CorpusOptions { TextMode = TextMode.Line })).Records;
        Assert.Equal($"{path}:2: invalid UTF-8 at byte 0 of the line", Assert.Single(records.OfType<DocumentError>()).ToString());
        Assert.Equal(2, records.OfType<Document>().Count());
    }
}
