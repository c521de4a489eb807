using System.Text.Json;
using System.Text.Json.Serialization;

namespace Clustering;

/// <summary>
/// Everything a job needs, as the user gave it: what to read, which model, how to embed, where to write.
/// `embedctl run` and `embedctl submit` build the same spec; the store keeps it as JSON, so a resumed or
/// re-planned job reads exactly what was asked. Defaults here are the documented defaults of the CLI.
/// </summary>
public sealed record JobSpec
{
    /// <summary>Files, folders, globs or blob URIs (a URI ending in '/' is a prefix).</summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    /// <summary>A Hugging Face model directory.</summary>
    public required string Model { get; init; }

    /// <summary>The job's output folder or blob prefix: parts, `_manifest.json`, `_SUCCESS`, `_errors/`.</summary>
    public required string Output { get; init; }

    // The three records are the libraries' own options: the corpus reader, the engine and the Parquet writer take them
    // as they are (no copies with defaults of their own). They live here, below those libraries, because the spec is
    // made of them; their JSON names ("input", "embed", "write") are part of every job id.
    public CorpusOptions Input { get; init; } = new();
    public EmbeddingOptions Embed { get; init; } = new();
    public OutputOptions Write { get; init; } = new();

    /// <summary>Documents per shard, about (a shard is the unit of leasing, retry and output).</summary>
    public int ShardDocs { get; init; } = CorpusOptions.DefaultShardDocs;

    /// <summary>Attempts per shard before it is failed.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>How many shards may fail before the whole job is failed (0: any failed shard fails the job).</summary>
    public int AllowedFailedShards { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        WriteIndented = false,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static JobSpec FromJson(string json) =>
        JsonSerializer.Deserialize<JobSpec>(json, Json) ?? throw new ClusteringException("job spec: empty JSON");

    /// <summary>
    /// THE validation of a job, which every entry point calls before anything is planned or recorded (`embedctl
    /// run`/`submit`/`schedule`/`stream`, the silo's POST /v1/jobs, /v1/schedules and /v1/streams): each record's own
    /// rules, then the rules between records. It refuses values no run could honour, naming the option; paths are
    /// checked where they are opened, and what depends on the model where its files are read.
    /// </summary>
    public void Validate()
    {
        if (Inputs.Count == 0) throw new ClusteringException("--input: at least one input is required");
        if (string.IsNullOrWhiteSpace(Model)) throw new ClusteringException("--model: a model directory is required");
        if (string.IsNullOrWhiteSpace(Output)) throw new ClusteringException("--output: an output folder is required");
        CorpusOptions.CheckShardDocs(ShardDocs);
        if (MaxAttempts < 1) throw new ClusteringException($"--max-attempts: must be at least 1 (got {MaxAttempts})");
        if (AllowedFailedShards < 0) throw new ClusteringException($"allowed_failed_shards: must be 0 or more (got {AllowedFailedShards})");
        Input.Validate();
        Embed.Validate();
        Write.Validate();
        if (Embed.ChunkTokens is not null && Write.Format is not null)
            throw new ClusteringException($"--chunk-tokens and --output-format {Write.Format}: an OpenAI batch result holds one vector per input, not chunks");
        if (OpenAiBatch.Check("--output-format", Write.Format) is not null && !Input.IsOpenAiBatch)
            throw new ClusteringException($"--output-format {OpenAiBatch.Format} answers the requests of an OpenAI batch file: give --input-format {OpenAiBatch.Format} too");
    }
}
