namespace Clustering.Corpus.Tests;

/// <summary>OpenAI batch files (--input-format openai-batch): one document per input, errors naming the request and field.</summary>
public sealed class OpenAiBatchLineTests
{
    private static async Task<List<CorpusRecord>> ReadAsync(string content)
    {
        using var folder = new TempFolder();
        var path = folder.Write("batch.jsonl", content);
        return (await CorpusTestKit.PlanAndReadAsync([path], new CorpusOptions { Format = OpenAiBatch.Format, KeepFields = ["x"] })).Records;
    }

    [Fact]
    public async Task Each_input_of_each_request_is_a_document_with_its_request()
    {
        var records = await ReadAsync("""
            {"custom_id":"q1","method":"POST","url":"/v1/embeddings","body":{"model":"m","input":"what is a ship","dimensions":32}}
            {"custom_id":"d7","method":"POST","url":"/v1/embeddings","body":{"model":"m","input":["first","second","third"],"encoding_format":"base64"}}

            """);
        var documents = records.Select(r => Assert.IsType<Document>(r)).ToArray();
        Assert.Equal(["q1", "d7#0", "d7#1", "d7#2"], documents.Select(d => d.Id));
        Assert.Equal(["what is a ship", "first", "second", "third"], documents.Select(d => d.Text));
        Assert.Equal([1L, 2, 2, 2], documents.Select(d => d.Line));
        Assert.Equal(new OpenAiBatchItem("q1", 0, 1, "m", 32, false), documents[0].Batch);
        Assert.Equal(new OpenAiBatchItem("d7", 2, 3, "m", null, true), documents[3].Batch);
        Assert.All(documents, d => Assert.Single(d.KeptFields));
    }

    [Theory]
    [InlineData("""{"method":"POST","url":"/v1/embeddings","body":{"input":"x"}}""", "missing custom_id (a non-empty string)")]
    [InlineData("""{"custom_id":"r","method":"POST","url":"/v1/chat/completions","body":{"input":"x"}}""", "request r: url must be \"/v1/embeddings\" (this job embeds)")]
    [InlineData("""{"custom_id":"r","method":"GET","url":"/v1/embeddings","body":{"input":"x"}}""", "request r: method must be \"POST\"")]
    [InlineData("""{"custom_id":"r","url":"/v1/embeddings"}""", "request r: missing body (an object)")]
    [InlineData("""{"custom_id":"r","url":"/v1/embeddings","body":{}}""", "request r: missing body.input")]
    [InlineData("""{"custom_id":"r","url":"/v1/embeddings","body":{"input":["a",[1,2]]}}""", "request r: body.input[1] is not a string (token-id inputs are not read from batch files)")]
    [InlineData("""{"custom_id":"r","url":"/v1/embeddings","body":{"input":[]}}""", "request r: body.input must be a string or a non-empty list of strings")]
    [InlineData("""{"custom_id":"r","url":"/v1/embeddings","body":{"input":"x","dimensions":0}}""", "request r: body.dimensions must be a positive integer")]
    [InlineData("""{"custom_id":"r","url":"/v1/embeddings","body":{"input":"x","encoding_format":"int8"}}""", "request r: body.encoding_format must be \"float\" or \"base64\"")]
    [InlineData("""["custom_id"]""", "an OpenAI batch line must be a JSON object")]
    public async Task A_line_that_is_not_a_request_is_one_error_naming_it(string line, string reason)
    {
        var records = await ReadAsync("""{"custom_id":"ok","url":"/v1/embeddings","body":{"input":"fine"}}""" + "\n" + line + "\n");
        Assert.Equal("ok", Assert.IsType<Document>(records[0]).Id);
        var error = Assert.IsType<DocumentError>(Assert.Single(records.Skip(1)));
        Assert.Equal((2L, reason), (error.Line, error.Reason));
    }

    [Fact]
    public async Task Malformed_json_is_an_error_of_its_line()
    {
        var records = await ReadAsync("""{"custom_id":"a","url":"/v1/embeddings","body":{"input":"x"}} trailing""" + "\n");
        var error = Assert.IsType<DocumentError>(Assert.Single(records));
        Assert.StartsWith("malformed JSON", error.Reason, StringComparison.Ordinal);
    }
}
