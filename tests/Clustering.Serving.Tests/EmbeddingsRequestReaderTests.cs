using System.Text;

namespace Clustering.Serving.Tests;

public sealed class EmbeddingsRequestReaderTests
{
    private static readonly ServingLimits Limits = new() { MaxInputs = 3 };

    private static EmbeddingsRequest Read(string json) => EmbeddingsRequestReader.Read(Encoding.UTF8.GetBytes(json), Limits);

    private static OpenAiError Refused(string json) => Assert.Throws<OpenAiErrorException>(() => Read(json)).Error;

    [Fact]
    public void A_string_is_one_text_input()
    {
        var r = Read("""{"model":"m","input":"hello"}""");
        Assert.Equal("m", r.Model);
        Assert.Equal([new EmbeddingInput("hello", null)], r.Inputs);
        Assert.Equal(EncodingFormat.Float, r.Format);
        Assert.Null(r.Dimensions);
    }

    [Fact]
    public void Lists_of_strings_of_ids_and_of_id_lists()
    {
        Assert.Equal(["a", "b"], Read("""{"model":"m","input":["a","b"]}""").Inputs.Select(i => i.Text));
        var ids = Read("""{"model":"m","input":[5,6,7]}""").Inputs;
        Assert.Equal([5, 6, 7], Assert.Single(ids).Ids!);
        var lists = Read("""{"model":"m","input":[[1],[2,3]]}""").Inputs;
        Assert.Equal([[1], [2, 3]], lists.Select(i => i.Ids!));
    }

    [Fact]
    public void Options_and_extensions_are_read()
    {
        var r = Read("""{"model":"m","input":"x","dimensions":8,"encoding_format":"base64","user":"u","instruction":"find","truncate":true}""");
        Assert.Equal(8, r.Dimensions);
        Assert.Equal(EncodingFormat.Base64, r.Format);
        Assert.Equal("u", r.User);
        Assert.Equal("find", r.Instruction);
        Assert.True(r.Truncate);
        Assert.Equal("query", Read("""{"model":"m","input":"x","prompt_name":"query","dimensions":null}""").PromptName);
    }

    [Theory]
    [InlineData("""{"input":"x"}""", "model", "You must provide a model parameter.")]
    [InlineData("""{"model":"m"}""", "input", "'input' is required")]
    [InlineData("""{"model":"m","input":""}""", "input", "'input' is an empty string")]
    [InlineData("""{"model":"m","input":[]}""", "input", "'input' must not be an empty list.")]
    [InlineData("""{"model":"m","input":["a","b","c","d"]}""", "input", "'input' has 4 items; at most 3 inputs")]
    [InlineData("""{"model":"m","input":["a",[1]]}""", "input", "'input[1]' is a list;")]
    [InlineData("""{"model":"m","input":[[1],[2,-3]]}""", "input", "'input[1][1]' is not a token id")]
    [InlineData("""{"model":"m","input":[[1],[]]}""", "input", "'input[1]' is an empty list of token ids.")]
    [InlineData("""{"model":"m","input":{"a":1}}""", "input", "'input' is an object;")]
    [InlineData("""{"model":"m","input":"x","dimensions":0}""", "dimensions", "'dimensions' must be at least 1; got 0.")]
    [InlineData("""{"model":"m","input":"x","dimensions":1.5}""", "dimensions", "'dimensions' must be an integer.")]
    [InlineData("""{"model":"m","input":"x","encoding_format":"int8"}""", "encoding_format", "must be \"float\" or \"base64\"; got \"int8\"")]
    [InlineData("""{"model":"m","input":"x","instruction":"a","prompt_name":"query"}""", "instruction", "either 'instruction' or 'prompt_name'")]
    [InlineData("""{"model":"m","input":"x","temperature":1}""", "temperature", "Unrecognized request argument supplied: temperature")]
    [InlineData("""{"model":3,"input":"x"}""", "model", "'model' must be a string.")]
    public void Bad_requests_name_the_field(string json, string param, string message)
    {
        var error = Refused(json);
        Assert.Equal(400, error.Status);
        Assert.Equal("invalid_request_error", error.Type);
        Assert.Equal(param, error.Param);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_json_is_a_400_with_the_parser_position()
    {
        var error = Refused("""{"model":"m", "input": [1,""");
        Assert.Equal(400, error.Status);
        Assert.Equal("The body is not valid JSON (line 1, byte 26): it ends where a value should follow (truncated?)", error.Message);
        Assert.Equal(400, Refused("[1]").Status);
    }
}
