using Clustering.Hosting;
using System.CommandLine;
using System.Text.Json;
using Clustering.Inference;
using Clustering.Tokenizers.JsonLines;

namespace Clustering.Cli.Commands;

/// <summary>
/// `embedctl encode`: {"id","text"} JSON lines on stdin → {"id","embedding","n_tokens"} on stdout, in input order
/// (with --chunk-tokens: one {"id","chunk","char_start","char_end","embedding","n_tokens"} line per window).
/// Reads a chunk of lines at a time, tokenizes it on all cores, runs it in length-sorted token-budget batches, and
/// writes it out before reading on. Bad lines get an error record and the run goes on; exit 0 only if none.
/// </summary>
internal static class EncodeCommand
{
    private const int LinesPerChunk = 1024;

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face model directory (config.json, safetensors, tokenizer)", Required = true };
        var dimensions = new Option<int?>("--dimensions") { Description = "MRL: keep the first N dimensions (1..hidden size), then normalize" };
        var promptName = new Option<string?>("--prompt-name") { Description = "prefix every text with this prompt of the model's config_sentence_transformers.json" };
        var instruction = new Option<string?>("--instruction") { Description = "embed queries as \"Instruct: TASK\\nQuery:{text}\"" };
        var maxLength = new Option<int>("--max-length") { Description = $"tokens per input, prompt and special tokens included (default {EmbeddingOptions.DefaultMaxLength} or the model's limit when lower)", DefaultValueFactory = _ => EmbeddingOptions.DefaultMaxLength };
        var device = new Option<string>("--device") { Description = "cpu, cuda (the first GPU) or cuda:N", DefaultValueFactory = _ => "cpu" };
        var batchTokens = new Option<int>("--batch-tokens") { Description = "tokens per forward pass", DefaultValueFactory = _ => EmbeddingOptions.DefaultBatchTokens };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0 = all cores)", DefaultValueFactory = _ => 0 };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "tokenizer.json (or its directory) when the model directory has none" };
        var chunkTokens = new Option<int?>("--chunk-tokens") { Description = ChunkHelp.Tokens + " One output line per window." };
        var chunkOverlap = new Option<int?>("--chunk-overlap") { Description = ChunkHelp.Overlap };

        var command = new Command("encode", "Embed {\"id\",\"text\"} JSON lines from stdin; one {\"id\",\"embedding\",\"n_tokens\"} line per input on stdout.")
        {
            model, dimensions, promptName, instruction, maxLength, device, batchTokens, threads, tokenizer, chunkTokens, chunkOverlap,
        };
        command.SetAction(parse =>
        {
            // The same record (and so the same defaults and checks) as a job's "embed" options.
            var options = new EmbeddingOptions
            {
                Device = parse.GetValue(device)!,
                Threads = parse.GetValue(threads),
                Dimensions = parse.GetValue(dimensions),
                PromptName = parse.GetValue(promptName),
                Instruction = parse.GetValue(instruction),
                MaxLength = parse.GetValue(maxLength),
                BatchTokens = parse.GetValue(batchTokens),
                ChunkTokens = parse.GetValue(chunkTokens),
                ChunkOverlap = parse.GetValue(chunkOverlap),
            };
            using var stdin = Console.OpenStandardInput();
            using var stdout = Console.OpenStandardOutput();
            return Run(parse.GetValue(model)!, options, parse.GetValue(tokenizer), stdin, stdout, Console.Error);
        });
        return command;
    }

    /// <param name="tokenizerPath">`--tokenizer`: a tokenizer instead of the model directory's own.</param>
    public static int Run(string modelPath, EmbeddingOptions options, string? tokenizerPath, Stream input, Stream output, TextWriter log)
    {
        EmbeddingModel embedder;
        var chunkTokens = options.ChunkTokens;
        var chunkOverlap = options.ChunkOverlap ?? 0;
        try
        {
            options.Validate(); // before minutes of loading; the engine checks again
            embedder = EngineFactory.LoadModel(modelPath, options, EngineFactory.SingleDevice(options.Device), options.Threads, tokenizerPath: tokenizerPath);
            if (embedder.Tokenizer is null) { embedder.Dispose(); throw new ClusteringException($"{modelPath} has no tokenizer (tokenizer.json or vocab.json + merges.txt); give one with --tokenizer"); }
            if (chunkTokens is not null)
            {
                try { ChunkingSupport.Check(embedder); }
                catch { embedder.Dispose(); throw; }
            }
        }
        catch (ClusteringException e)
        {
            log.WriteLine($"embedctl encode: {e.Message}");
            return 2;
        }

        using var _ = embedder;
        var reader = new JsonTextLineReader(input); // the same reading and bad-line reports as `tokenize`
        var buffered = new BufferedStream(output, 1 << 16);
        using var writer = new Utf8JsonWriter(buffered, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var chunk = new List<JsonTextLine>(LinesPerChunk);
        var d = embedder.Dimensions;
        // Per line: its windows (one, the whole truncated text, unless chunking); null for a bad line.
        var encoded = new IReadOnlyList<TextChunk>?[LinesPerChunk];
        var errors = new string?[LinesPerChunk];
        long ok = 0, bad = 0;
        while (reader.ReadChunk(chunk, LinesPerChunk))
        {
            Parallel.For(0, chunk.Count, i =>
            {
                errors[i] = chunk[i].Error;
                encoded[i] = null;
                if (errors[i] is not null) return;
                try
                {
                    encoded[i] = chunkTokens is not { } tokens
                        ? [new TextChunk(0, 0, 0, embedder.Tokenize(chunk[i].Text!).Ids)]
                        : embedder.Chunk(chunk[i].Text!, tokens, chunkOverlap);
                }
                catch (ClusteringException e) { errors[i] = e.Message; }
            });

            var items = new List<TextChunk>(chunk.Count);
            for (var i = 0; i < chunk.Count; i++) if (errors[i] is null) items.AddRange(encoded[i]!);
            var vectors = new float[items.Count * d]; // (items, d) in line order; the passes run shortest first
            embedder.EmbedByLength(items.Select(item => item.Ids).ToArray(), vectors);

            var next = 0;
            for (var i = 0; i < chunk.Count; i++)
            {
                if (errors[i] is { } error)
                {
                    JsonTextLineReader.WriteError(writer, chunk[i], error);
                    bad++;
                    EndLine(writer, buffered);
                    continue;
                }
                foreach (var item in encoded[i]!)
                {
                    writer.WriteStartObject();
                    JsonTextLineReader.WriteId(writer, chunk[i].IdJson);
                    if (chunkTokens is not null)
                    {
                        writer.WriteNumber("chunk", item.Index);
                        writer.WriteNumber("char_start", item.CharStart);
                        writer.WriteNumber("char_end", item.CharEnd);
                    }
                    writer.WriteStartArray("embedding");
                    foreach (var x in vectors.AsSpan(next * d, d)) writer.WriteNumberValue(x); // shortest round-trip form
                    writer.WriteEndArray();
                    writer.WriteNumber("n_tokens", item.Ids.Length);
                    writer.WriteEndObject();
                    EndLine(writer, buffered);
                    next++;
                }
                ok++;
            }
            buffered.Flush();
        }
        log.WriteLine($"embedctl encode: {ok + bad} lines, {ok} encoded, {bad} errors, {reader.BlankLines} blank skipped");
        return bad == 0 ? 0 : 1;
    }

    /// <summary>One top-level object per line: no separator state carried over.</summary>
    private static void EndLine(Utf8JsonWriter writer, Stream buffered)
    {
        writer.Flush();
        writer.Reset(buffered);
        buffered.WriteByte((byte)'\n');
    }
}
