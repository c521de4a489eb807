using Clustering.Hosting;
using System.CommandLine;
using System.Text.Json;
using Clustering.Inference;
using Clustering.Tokenizers.JsonLines;

namespace Clustering.Cli.Commands;

/// <summary>
/// `embedctl encode`: {"id","text"} JSON lines on stdin → {"id","embedding","n_tokens"} on stdout, in input order.
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
        var maxLength = new Option<int?>("--max-length") { Description = $"tokens per input, prompt and special tokens included (default {EmbeddingOptions.DefaultMaxLength} or the model's limit)" };
        var device = new Option<string>("--device") { Description = "cpu, cuda (the first GPU) or cuda:N", DefaultValueFactory = _ => "cpu" };
        var batchTokens = new Option<int>("--batch-tokens") { Description = "tokens per forward pass", DefaultValueFactory = _ => EmbeddingOptions.DefaultBatchTokens };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0 = all cores)", DefaultValueFactory = _ => 0 };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "tokenizer.json (or its directory) when the model directory has none" };

        var command = new Command("encode", "Embed {\"id\",\"text\"} JSON lines from stdin; one {\"id\",\"embedding\",\"n_tokens\"} line per input on stdout.")
        {
            model, dimensions, promptName, instruction, maxLength, device, batchTokens, threads, tokenizer,
        };
        command.SetAction(parse =>
        {
            var options = new EmbeddingOptions
            {
                Device = parse.GetValue(device)!,
                Threads = parse.GetValue(threads),
                Dimensions = parse.GetValue(dimensions),
                PromptName = parse.GetValue(promptName),
                Instruction = parse.GetValue(instruction),
                MaxLength = parse.GetValue(maxLength),
                BatchTokens = parse.GetValue(batchTokens),
                TokenizerPath = parse.GetValue(tokenizer),
            };
            using var stdin = Console.OpenStandardInput();
            using var stdout = Console.OpenStandardOutput();
            return Run(parse.GetValue(model)!, options, stdin, stdout, Console.Error);
        });
        return command;
    }

    public static int Run(string modelPath, EmbeddingOptions options, Stream input, Stream output, TextWriter log)
    {
        EmbeddingModel embedder;
        try
        {
            if (options.Threads < 0) throw new ClusteringException($"--threads {options.Threads} must be 0 (all cores) or more");
            embedder = EngineFactory.LoadModel(modelPath, options, EngineFactory.SingleDevice(options.Device), options.Threads);
            if (embedder.Tokenizer is null) { embedder.Dispose(); throw new ClusteringException($"{modelPath} has no tokenizer (tokenizer.json or vocab.json + merges.txt); give one with --tokenizer"); }
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
        var encoded = new Tokenizers.EncodedText[LinesPerChunk];
        var errors = new string?[LinesPerChunk];
        var vectors = new float[LinesPerChunk * d];
        long ok = 0, bad = 0;
        while (reader.ReadChunk(chunk, LinesPerChunk))
        {
            Parallel.For(0, chunk.Count, i =>
            {
                errors[i] = chunk[i].Error;
                encoded[i] = default;
                if (errors[i] is not null) return;
                try { encoded[i] = embedder.Tokenize(chunk[i].Text!); }
                catch (ClusteringException e) { errors[i] = e.Message; }
            });

            var good = new List<int>(chunk.Count);
            for (var i = 0; i < chunk.Count; i++) if (errors[i] is null) good.Add(i);
            var lengths = good.Select(i => encoded[i].Ids.Length).ToArray();
            foreach (var batch in LengthBatcher.Plan(lengths, embedder.BatchTokens))
            {
                var ids = batch.Select(b => encoded[good[b]].Ids).ToArray();
                var result = new float[ids.Length * d];
                embedder.Embed(ids, result);
                for (var j = 0; j < batch.Length; j++) result.AsSpan(j * d, d).CopyTo(vectors.AsSpan(good[batch[j]] * d, d));
            }

            for (var i = 0; i < chunk.Count; i++)
            {
                if (errors[i] is { } error)
                {
                    JsonTextLineReader.WriteError(writer, chunk[i], error);
                    bad++;
                }
                else
                {
                    writer.WriteStartObject();
                    JsonTextLineReader.WriteId(writer, chunk[i].IdJson);
                    writer.WriteStartArray("embedding");
                    foreach (var x in vectors.AsSpan(i * d, d)) writer.WriteNumberValue(x); // shortest round-trip form
                    writer.WriteEndArray();
                    writer.WriteNumber("n_tokens", encoded[i].Ids.Length);
                    writer.WriteEndObject();
                    ok++;
                }
                writer.Flush();
                writer.Reset(buffered); // one top-level object per line: no separator state carried over
                buffered.WriteByte((byte)'\n');
            }
            buffered.Flush();
        }
        log.WriteLine($"embedctl encode: {ok + bad} lines, {ok} encoded, {bad} errors, {reader.BlankLines} blank skipped");
        return bad == 0 ? 0 : 1;
    }
}
