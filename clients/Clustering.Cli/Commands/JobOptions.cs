using System.CommandLine;

namespace Clustering.Cli.Commands;

/// <summary>
/// The job options `run` and `submit` share, and how they become a <see cref="JobSpec"/>. Every default shown here is
/// read from a default spec (the option records' own), and the spec is checked by <see cref="JobSpec.Validate"/> alone,
/// so the CLI, the silo's API and the engine agree on defaults and messages.
/// </summary>
internal sealed class JobOptions(bool withInputs = true)
{
    private static readonly JobSpec Defaults = new() { Inputs = [], Model = "", Output = "" };

    public readonly Option<string[]> Input = new("--input", "-i")
    {
        Description = "Input files, folders, globs or blob URIs (az://container/prefix/, https://ACCOUNT.blob.core.windows.net/container/prefix/?SAS; " +
            "a URI ending in '/' is a prefix). JSON lines .jsonl/.jsonl.gz, or text. Repeat or list several.",
        AllowMultipleArgumentsPerToken = true,
        Required = true,
    };

    public readonly Option<string> Model = new("--model", "-m") { Description = "Hugging Face model directory (config.json, safetensors, tokenizer).", Required = true };
    public readonly Option<string> Output = new("--output", "-o") { Description = "Output folder or blob URI (az://container/path): Parquet parts, _manifest.json, _SUCCESS, _errors/.", Required = true };
    public readonly Option<int?> Dimensions = new("--dimensions") { Description = "Keep the first N dimensions (MRL), then L2-normalize. Default: the model's hidden size." };
    public readonly Option<string?> Instruction = new("--instruction") { Description = "Embed as queries: 'Instruct: TASK\\nQuery:{text}'." };
    public readonly Option<string?> PromptName = new("--prompt-name") { Description = "Prefix a prompt from the model's config_sentence_transformers.json (e.g. query)." };
    public readonly Option<int> MaxLength = new("--max-length") { Description = "Truncate documents to N tokens (the end-of-text token is kept).", DefaultValueFactory = _ => Defaults.Embed.MaxLength };
    public readonly Option<string> Device = new("--device") { Description = "cpu, cuda (every GPU) or cuda:0,1.", DefaultValueFactory = _ => Defaults.Embed.Device };
    public readonly Option<int> BatchTokens = new("--batch-tokens") { Description = "Tokens per forward pass.", DefaultValueFactory = _ => Defaults.Embed.BatchTokens };
    public readonly Option<int> Threads = new("--threads") { Description = "CPU threads for the engine (0: all cores).", DefaultValueFactory = _ => Defaults.Embed.Threads };
    public readonly Option<int> ShardDocs = new("--shard-docs") { Description = "About N documents per shard (the unit of work, retry and output).", DefaultValueFactory = _ => Defaults.ShardDocs };
    public readonly Option<CompressionCodec?> Compression = new("--compression") { Description = "Parquet codec: zstd, snappy, gzip or none. [default: zstd]", HelpName = "zstd|snappy|gzip|none" };
    public readonly Option<VectorType?> VectorType = new("--vector-type") { Description = "embedding column: list (list<float>) or fixed (fixed-size list). [default: list]", HelpName = "list|fixed" };
    public readonly Option<string> IdField = new("--id-field") { Description = "JSON field (dotted path) holding the document id; missing ids become <file>:<line>.", DefaultValueFactory = _ => Defaults.Input.IdField };
    public readonly Option<string> TextField = new("--text-field") { Description = "JSON field (dotted path) holding the text.", DefaultValueFactory = _ => Defaults.Input.TextField };
    public readonly Option<string?> KeepFields = new("--keep-fields") { Description = "Comma-separated fields (dotted paths) copied to the output: strings from JSON lines; from Parquet, integers as int64, floats as double, booleans as bool, other types as strings." };
    public readonly Option<TextMode?> TextMode = new("--text-mode") { Description = "Plain text inputs: file (each file is a document) or line (each non-blank line is). [default: file]", HelpName = "file|line" };
    public readonly Option<int> MaxDocumentBytes = new("--max-document-bytes") { Description = "Longer input lines are reported as errors.", DefaultValueFactory = _ => Defaults.Input.MaxDocumentBytes };
    public readonly Option<string?> InputFormat = new("--input-format") { Description = "openai-batch: the inputs are OpenAI batch files ({\"custom_id\",\"url\":\"/v1/embeddings\",\"body\":{\"input\"...}} lines); one document per input, id custom_id (a list's inputs: custom_id#N). Default: documents." };
    public readonly Option<string?> OutputFormat = new("--output-format") { Description = "openai-batch: also write OpenAI batch result lines (one per request) under openai-batch/ beside the Parquet. Needs --input-format openai-batch." };
    public readonly Option<bool> SkipBadFiles = new("--skip-bad-files") { Description = "Leave out inputs that cannot be used as files (not a regular file, dangling link, not gzip, truncated, unreadable), listing them in the summary and manifest. Without it they refuse the job." };
    public readonly Option<string?> MaxBadRecords = new("--max-bad-records") { Description = "Bad records (bad lines, texts the model cannot take) a job may have and still succeed: N, or P% of all records. [default: 10%]", HelpName = "N|P%" };
    public readonly Option<int?> ChunkTokens = new("--chunk-tokens") { Description = ChunkHelp.Tokens };
    public readonly Option<int?> ChunkOverlap = new("--chunk-overlap") { Description = ChunkHelp.Overlap };
    public readonly Option<int> MaxAttempts = new("--max-attempts") { Description = "Attempts per shard before it is failed.", DefaultValueFactory = _ => Defaults.MaxAttempts };

    public void AddTo(Command command)
    {
        if (!withInputs)
        {
            // A stream job: the options that shape each window's embeddings and Parquet; reading files does not apply.
            foreach (var option in new Option[] { Model, Output, Dimensions, Instruction, PromptName, MaxLength, BatchTokens, Compression, VectorType, IdField, TextField, KeepFields })
                command.Options.Add(option);
            return;
        }
        command.Options.Add(Input);
        foreach (var option in new Option[] { Model, Output, Dimensions, Instruction, PromptName, MaxLength, Device, BatchTokens, Threads,
                     ShardDocs, Compression, VectorType, IdField, TextField, KeepFields, TextMode, MaxDocumentBytes, InputFormat, OutputFormat, SkipBadFiles, MaxBadRecords, MaxAttempts, ChunkTokens, ChunkOverlap })
            command.Options.Add(option);
    }

    public JobSpec ToSpec(ParseResult result)
    {
        var spec = new JobSpec
        {
            Inputs = result.GetValue(Input) ?? [],
            Model = result.GetValue(Model)!,
            Output = result.GetValue(Output)!,
            ShardDocs = result.GetValue(ShardDocs),
            MaxAttempts = result.GetValue(MaxAttempts),
            Input = new CorpusOptions
            {
                IdField = result.GetValue(IdField)!,
                TextField = result.GetValue(TextField)!,
                KeepFields = CorpusOptions.ParseFieldList(result.GetValue(KeepFields)),
                TextMode = result.GetValue(TextMode) ?? Defaults.Input.TextMode,
                MaxDocumentBytes = result.GetValue(MaxDocumentBytes),
                Format = OpenAiBatch.Check("--input-format", result.GetValue(InputFormat)),
                SkipBadFiles = result.GetValue(SkipBadFiles),
                MaxBadRecords = result.GetValue(MaxBadRecords),
            },
            Embed = new EmbeddingOptions
            {
                Dimensions = result.GetValue(Dimensions),
                Instruction = result.GetValue(Instruction),
                PromptName = result.GetValue(PromptName),
                MaxLength = result.GetValue(MaxLength),
                BatchTokens = result.GetValue(BatchTokens),
                Device = result.GetValue(Device)!,
                Threads = result.GetValue(Threads),
                ChunkTokens = result.GetValue(ChunkTokens),
                ChunkOverlap = result.GetValue(ChunkOverlap),
            },
            Write = new OutputOptions
            {
                Compression = result.GetValue(Compression) ?? Defaults.Write.Compression,
                VectorType = result.GetValue(VectorType) ?? Defaults.Write.VectorType,
                Format = OpenAiBatch.Check("--output-format", result.GetValue(OutputFormat)),
            },
        };
        spec.Validate();
        return spec;
    }

    /// <summary>A stream job's spec (options added with <c>withInputs: false</c>): its one input is the source; what it does not offer keeps JobSpec's defaults.</summary>
    public JobSpec ToStreamSpec(ParseResult result, string source)
    {
        var spec = new JobSpec
        {
            Inputs = [source],
            Model = result.GetValue(Model)!,
            Output = result.GetValue(Output)!,
            Input = new CorpusOptions
            {
                IdField = result.GetValue(IdField)!,
                TextField = result.GetValue(TextField)!,
                KeepFields = CorpusOptions.ParseFieldList(result.GetValue(KeepFields)),
            },
            Embed = new EmbeddingOptions
            {
                Dimensions = result.GetValue(Dimensions),
                Instruction = result.GetValue(Instruction),
                PromptName = result.GetValue(PromptName),
                MaxLength = result.GetValue(MaxLength),
                BatchTokens = result.GetValue(BatchTokens),
            },
            Write = new OutputOptions
            {
                Compression = result.GetValue(Compression) ?? Defaults.Write.Compression,
                VectorType = result.GetValue(VectorType) ?? Defaults.Write.VectorType,
            },
        };
        spec.Validate();
        return spec;
    }
}
