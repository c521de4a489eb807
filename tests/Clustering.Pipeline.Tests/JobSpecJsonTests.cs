namespace Clustering.Pipeline.Tests;

/// <summary>
/// A job's id is a hash of its spec's JSON and a resumed job reads its stored JSON back, so the JSON of every existing
/// spec must stay byte for byte what it was. The expected strings were printed by JobSpec.ToJson before the option
/// records were unified (issue 11, item 9): a change of a record's shape, a name or a default fails here.
/// </summary>
public sealed class JobSpecJsonTests
{
    private const string DefaultJson =
        """{"inputs":["in"],"model":"m","output":"o","input":{"id_field":"id","text_field":"text","keep_fields":[],"text_mode":"file","max_document_bytes":8388608},"embed":{"max_length":8192,"batch_tokens":16384,"device":"cpu","threads":0},"write":{"compression":"zstd","vector_type":"list"},"shard_docs":10000,"max_attempts":3,"allowed_failed_shards":0}""";

    private const string EveryOptionJson =
        """{"inputs":["in/a.jsonl","az://c/p/"],"model":"models/m","output":"out/o","input":{"id_field":"meta.id","text_field":"body","keep_fields":["a","b.c"],"text_mode":"line","max_document_bytes":4096,"format":"openai-batch","skip_bad_files":true,"max_bad_records":"5%"},"embed":{"dimensions":256,"instruction":"Find it","max_length":512,"batch_tokens":2048,"chunk_tokens":100,"chunk_overlap":10,"device":"cuda:0,1","threads":4},"write":{"compression":"snappy","vector_type":"fixed"},"shard_docs":500,"max_attempts":5,"allowed_failed_shards":2}""";

    private const string PromptAndBatchOutputJson =
        """{"inputs":["in/a.jsonl","az://c/p/"],"model":"models/m","output":"out/o","input":{"id_field":"meta.id","text_field":"body","keep_fields":["a","b.c"],"text_mode":"line","max_document_bytes":4096,"format":"openai-batch","skip_bad_files":true,"max_bad_records":"5%"},"embed":{"dimensions":256,"prompt_name":"query","max_length":512,"batch_tokens":2048,"device":"cuda:0,1","threads":4},"write":{"compression":"none","vector_type":"fixed","format":"openai-batch"},"shard_docs":500,"max_attempts":5,"allowed_failed_shards":2}""";

    private static JobSpec EveryOption() => new()
    {
        Inputs = ["in/a.jsonl", "az://c/p/"],
        Model = "models/m",
        Output = "out/o",
        ShardDocs = 500,
        MaxAttempts = 5,
        AllowedFailedShards = 2,
        Input = new CorpusOptions
        {
            IdField = "meta.id", TextField = "body", KeepFields = ["a", "b.c"], TextMode = TextMode.Line,
            MaxDocumentBytes = 4096, Format = OpenAiBatch.Format, SkipBadFiles = true, MaxBadRecords = "5%",
        },
        Embed = new EmbeddingOptions
        {
            Dimensions = 256, Instruction = "Find it", MaxLength = 512, BatchTokens = 2048,
            ChunkTokens = 100, ChunkOverlap = 10, Device = "cuda:0,1", Threads = 4,
        },
        Write = new OutputOptions { Compression = CompressionCodec.Snappy, VectorType = VectorType.Fixed },
    };

    [Fact]
    public void A_default_spec_writes_the_json_it_always_wrote()
    {
        var spec = new JobSpec { Inputs = ["in"], Model = "m", Output = "o" };
        Assert.Equal(DefaultJson, spec.ToJson());
        Assert.Equal(DefaultJson, JobSpec.FromJson(DefaultJson).ToJson());
    }

    [Fact]
    public void A_spec_with_every_option_set_writes_the_json_it_always_wrote()
    {
        var every = EveryOption();
        Assert.Equal(EveryOptionJson, every.ToJson());
        Assert.Equal(EveryOptionJson, JobSpec.FromJson(EveryOptionJson).ToJson());

        var other = every with
        {
            Embed = every.Embed with { Instruction = null, PromptName = "query", ChunkTokens = null, ChunkOverlap = null },
            Write = every.Write with { Format = OpenAiBatch.Format, Compression = CompressionCodec.None },
        };
        Assert.Equal(PromptAndBatchOutputJson, other.ToJson());
        Assert.Equal(PromptAndBatchOutputJson, JobSpec.FromJson(PromptAndBatchOutputJson).ToJson());
    }
}
