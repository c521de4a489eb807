namespace Clustering.Corpus.Tests;

public sealed class JsonLineTests
{
    private static async Task<List<CorpusRecord>> ReadAsync(string content, CorpusOptions options)
    {
        using var folder = new TempFolder();
        var path = folder.Write("in.jsonl", content);
        return (await CorpusTestKit.PlanAndReadAsync([path], options)).Records;
    }

    [Fact]
    public async Task DottedPathsReachIntoNestedObjectsAndKeptFieldsAreStringsOrJsonText()
    {
        var options = new CorpusOptions
        {
            IdField = "meta.id",
            TextField = "body.text",
            KeepFields = CorpusOptions.ParseFieldList("meta, meta.n ,tags,flag,absent,nothing,meta.lang,body.text"),
        };
        var line = """{"tags":["a", 1],"meta":{"n":12.50,"lang":"de","id":"m-1","deep":{"x":[{}]}},"flag":false,"nothing":null,"body":{"text":"Grüße\n\"zitat\""}}""";
        var document = Assert.IsType<Document>(Assert.Single(await ReadAsync(line + "\n", options)));
        Assert.Equal("m-1", document.Id);
        Assert.Equal("Grüße\n\"zitat\"", document.Text);
        Assert.Equal<string?[]>(
            ["""{"n":12.50,"lang":"de","id":"m-1","deep":{"x":[{}]}}""", "12.50", """["a", 1]""", "false", null, null, "de", "Grüße\n\"zitat\""],
            document.KeptFields);
    }

    [Theory]
    [InlineData("""{"id":42,"text":"t"}""", "42")]
    [InlineData("""{"id":-1.5e3,"text":"t"}""", "-1.5e3")]
    [InlineData("""{"id":"x\u0041","text":"t"}""", "xA")]
    [InlineData("""{"i\u0064":"escaped-name","text":"t"}""", "escaped-name")]
    [InlineData("""{"id":null,"text":"t"}""", "IN:1")]
    [InlineData("""{"text":"t","other":{"id":"not-top-level"}}""", "IN:1")]
    [InlineData("""{"id":"first","text":"t","id":"last"}""", "last")]
    public async Task IdsAreStringsOrNumbersAsWrittenOrGeneratedFromFileAndLine(string line, string id)
    {
        using var folder = new TempFolder();
        var path = folder.Write("in.jsonl", line);
        var document = Assert.IsType<Document>(Assert.Single((await CorpusTestKit.PlanAndReadAsync([path], new CorpusOptions())).Records));
        Assert.Equal(id.Replace("IN", path), document.Id);
        Assert.Equal("t", document.Text);
    }

    [Theory]
    [InlineData("""{"id":"a","text":"x"} {"id":"b"}""", "malformed JSON")]
    [InlineData("""{"id":"a","text":"x""", "malformed JSON")]
    [InlineData("""{"id":"a","text":"x",}""", "malformed JSON")]
    [InlineData("""'single'""", "malformed JSON")]
    [InlineData("""{"id":"a","text":"\ud800"}""", "invalid JSON string")]
    [InlineData("\"just a string\"", "the line is a JSON string, not an object")]
    [InlineData("123", "the line is a JSON number, not an object")]
    [InlineData("null", "the line is a JSON null, not an object")]
    [InlineData("""{"id":"a"}""", "missing text field 'text'")]
    [InlineData("""{"id":"a","text":["x"]}""", "text field 'text' is a JSON array, not a string")]
    [InlineData("""{"id":"a","text":{"x":1}}""", "text field 'text' is a JSON object, not a string")]
    [InlineData("""{"id":{"x":1},"text":"t"}""", "id field 'id' is a JSON object, not a string or number")]
    public async Task EachBadLineIsAnErrorNamingFileLineAndReason(string bad, string reason)
    {
        using var folder = new TempFolder();
        var path = folder.Write("in.jsonl", "{\"id\":\"ok\",\"text\":\"fine\"}\n\n" + bad + "\n{\"id\":\"ok2\",\"text\":\"fine\"}");
        var records = (await CorpusTestKit.PlanAndReadAsync([path], new CorpusOptions())).Records;
        Assert.Equal(3, records.Count);
        var error = Assert.IsType<DocumentError>(records[1]);
        Assert.Equal((path, 3L), (error.Source, error.Line));
        Assert.StartsWith(reason, error.Reason);
        Assert.Equal(4, Assert.IsType<Document>(records[2]).Line);
    }

    [Fact]
    public async Task InvalidUtf8IsReportedWithItsOffsetNotReplaced()
    {
        using var folder = new TempFolder();
        var path = folder.Write("in.jsonl", [.. "{\"text\":\"ab"u8, 0xE2, 0x82, .. "\"}\n{\"text\":\"🙂\"}"u8]);
        var records = (await CorpusTestKit.PlanAndReadAsync([path], new CorpusOptions())).Records;
        Assert.Equal("invalid UTF-8 at byte 11 of the line", Assert.IsType<DocumentError>(records[0]).Reason);
        Assert.Equal("🙂", Assert.IsType<Document>(records[1]).Text);
    }

    [Fact]
    public async Task AnEmptyTextIsADocumentAndBomCrLfAndAFinalLineWithoutNewlineAreHandled()
    {
        using var folder = new TempFolder();
        var path = folder.Write("in.jsonl", [0xEF, 0xBB, 0xBF, .. "{\"id\":\"a\",\"text\":\"\"}\r\n\r\n{\"id\":\"b\",\"text\":\"end\"}"u8]);
        var records = (await CorpusTestKit.PlanAndReadAsync([path], new CorpusOptions())).Records;
        Assert.Equal(["a::1", "b:end:3"], records.Select(r => r is Document d ? $"{d.Id}:{d.Text}:{d.Line}" : r.ToString()));
    }
}
