using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Clustering.Corpus;
using Clustering.Inference;
using Clustering.Parquet;
using Clustering.Tokenizers;

namespace Clustering.Pipeline;

/// <summary>
/// Runs one shard attempt through the stages, each the only owner of its state, joined by bounded channels:
/// <code>
/// reader ─► Channel&lt;Document&gt; ─► tokenizers (N tasks) ─► Channel&lt;TokenizedDocument&gt; ─► device loop
///        (window, EmbeddingModel.EmbedByLength) ─► Channel&lt;EmbeddedWindow&gt; ─► Parquet writer (temp file)
/// </code>
/// then uploads the part as <c>part-SSSSS-aA.parquet</c> and the bad lines as <c>_errors/part-SSSSS-aA.jsonl</c>.
/// Backpressure comes from the channel bounds; the device loop never waits on I/O in steady state.
/// Bad documents never fail the shard; a store failure or cancellation (lost lease) does, and nothing is committed.
/// </summary>
public sealed class ShardProcessor
{
    private const int DocumentQueue = 2048;
    private const int WindowQueue = 4;

    private readonly EmbeddingModel _model;
    private readonly InputStores _inputs;
    private readonly IShardProgress _progress;
    private readonly int _tokenizerThreads;
    private readonly string _tempFolder;

    public ShardProcessor(EmbeddingModel model, InputStores inputs, IShardProgress progress, int tokenizerThreads = 0, string? tempFolder = null)
    {
        _model = model;
        _inputs = inputs;
        _progress = progress;
        _tokenizerThreads = tokenizerThreads > 0 ? tokenizerThreads : Math.Max(1, Environment.ProcessorCount / 2);
        _tempFolder = tempFolder ?? Path.GetTempPath();
    }

    /// <param name="deviceDone">Called once the device loop has embedded the shard's last window (not when it fails):
    /// from then on the model is free for the next shard while this one's Parquet tail is written and uploaded.</param>
    public async Task<ShardOutcome> ProcessAsync(JobContext job, int shardIndex, int attempt, ShardSpec shard, CancellationToken cancellationToken,
        Action? deviceDone = null)
    {
        if (job.Spec.Embed.ChunkTokens is not null) ChunkingSupport.Check(_model);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = linked.Token;
        var documents = Channel.CreateBounded<Document>(new BoundedChannelOptions(DocumentQueue) { SingleWriter = true });
        var tokenized = Channel.CreateBounded<TokenizedDocument>(new BoundedChannelOptions(DocumentQueue) { SingleReader = true });
        var windows = Channel.CreateBounded<EmbeddedWindow>(new BoundedChannelOptions(WindowQueue) { SingleReader = true, SingleWriter = true });
        // Bad lines from the reader and documents the tokenizers refuse; sorted by position when written.
        var errors = new ConcurrentQueue<DocumentError>();
        var emptyTexts = new StrongBox<long>();
        var tempPath = Path.Combine(_tempFolder, $"clustering-{job.JobId}-{shardIndex}-{attempt}-{Guid.NewGuid():N}.parquet");
        var openAiPath = job.Spec.Write.Format == OpenAiBatch.Format ? tempPath + ".openai.jsonl" : null;

        try
        {
            var reader = Stage(() => ReadAsync(job, shard, documents.Writer, errors, emptyTexts, token), documents.Writer, linked);
            var tokenizers = Enumerable.Range(0, _tokenizerThreads)
                .Select(_ => Task.Run(() => TokenizeAsync(documents.Reader, tokenized.Writer, errors, job.Spec.Embed, token), token)).ToArray();
            var tokenizersDone = Stage(() => Task.WhenAll(tokenizers), tokenized.Writer, linked);
            var device = Stage(() => Task.Factory.StartNew(() => EmbedLoop(tokenized.Reader, windows.Writer, token),
                token, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap(), windows.Writer, linked);
            if (deviceDone is not null)
                _ = device.ContinueWith(static (_, done) => ((Action)done!)(), deviceDone, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            var writer = Task.Run(async () =>
            {
                try
                {
                    return await WriteAsync(job, windows.Reader, tempPath, openAiPath, shardIndex, shard.KeptTypes, token).ConfigureAwait(false);
                }
                catch
                {
                    // The device loop would otherwise wait forever on the full window channel.
                    await linked.CancelAsync().ConfigureAwait(false);
                    throw;
                }
            }, token);
            var stages = new Task[] { reader, tokenizersDone, device, writer };
            try
            {
                await Task.WhenAll(stages).ConfigureAwait(false);
            }
            catch when (!cancellationToken.IsCancellationRequested && RootCause(stages) is { } root)
            {
                // One stage failed and cancelled the rest: report its error, not a sibling's cancellation.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(root);
            }
            var (rows, tokens) = await writer.ConfigureAwait(false);

            var outputKey = AttemptObjects.PartKey(shardIndex, attempt);
            var (bytes, sha) = await PartFiles.UploadAsync(job.Output, outputKey, tempPath, token).ConfigureAwait(false);
            if (openAiPath is not null) await PartFiles.UploadAsync(job.Output, AttemptObjects.OpenAiResultsKey(shardIndex, attempt), openAiPath, token).ConfigureAwait(false);
            string? errorsKey = null;
            if (!errors.IsEmpty)
            {
                errorsKey = AttemptObjects.ErrorsKey(shardIndex, attempt);
                var ordered = errors.OrderBy(e => e.Source, StringComparer.Ordinal).ThenBy(e => e.Line).ToList();
                await job.Output.WriteAsync(errorsKey, new MemoryStream(ErrorLines(ordered)), cancellationToken: token).ConfigureAwait(false);
            }
            return new ShardOutcome(outputKey, rows, bytes, sha, errors.Count, tokens, errorsKey, emptyTexts.Value);
        }
        finally
        {
            File.Delete(tempPath);
            if (openAiPath is not null) File.Delete(openAiPath);
        }
    }

    private static Exception? RootCause(Task[] stages) =>
        stages.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault(e => e is not OperationCanceledException);

    /// <summary>Runs a stage; completes its output channel either way and cancels the others when it fails.</summary>
    private static async Task Stage<T>(Func<Task> body, ChannelWriter<T> output, CancellationTokenSource all)
    {
        try
        {
            await body().ConfigureAwait(false);
            output.TryComplete();
        }
        catch (Exception e)
        {
            output.TryComplete(e);
            await all.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task ReadAsync(JobContext job, ShardSpec shard, ChannelWriter<Document> output, ConcurrentQueue<DocumentError> errors,
        StrongBox<long> emptyTexts, CancellationToken token)
    {
        var reader = new ShardReader(_inputs, job.CorpusOptions);
        await foreach (var record in reader.ReadAsync(shard, token).ConfigureAwait(false))
        {
            switch (record)
            {
                case Document document:
                    if (string.IsNullOrWhiteSpace(document.Text)) emptyTexts.Value++; // the reader stage is this count's one owner
                    await output.WriteAsync(document, token).ConfigureAwait(false);
                    break;
                case DocumentError error:
                    errors.Enqueue(error);
                    _progress.AddErrors(1);
                    break;
            }
        }
    }

    private async Task TokenizeAsync(ChannelReader<Document> input, ChannelWriter<TokenizedDocument> output, ConcurrentQueue<DocumentError> errors,
        EmbeddingOptions embed, CancellationToken token)
    {
        await foreach (var document in input.ReadAllAsync(token).ConfigureAwait(false))
        {
            EncodedText encoded;
            try
            {
                if (embed.ChunkTokens is { } chunkTokens)
                {
                    // One row per window; the windows cover the whole text, so none is truncated.
                    foreach (var chunk in _model.Chunk(document.Text, chunkTokens, embed.ChunkOverlap ?? 0))
                        await output.WriteAsync(new TokenizedDocument(document, chunk.Ids, false, new ChunkPosition(chunk.Index, chunk.CharStart, chunk.CharEnd)), token)
                            .ConfigureAwait(false);
                    continue;
                }
                encoded = _model.Tokenize(document.Text);
            }
            catch (ClusteringException e)
            {
                // A document the model cannot take (e.g. no tokens at all) is a bad line, not a failed shard.
                errors.Enqueue(new DocumentError(document.Source, document.Line, e.Message));
                _progress.AddErrors(1);
                continue;
            }
            await output.WriteAsync(new TokenizedDocument(document, encoded.Ids, encoded.Truncated), token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The device loop: gathers a window of one to four forward passes, embeds it (<see cref="EmbeddingModel.EmbedByLength"/>:
    /// each pass holds sequences of similar length) and hands the vectors to the writer in the window's order.
    /// </summary>
    private async Task EmbedLoop(ChannelReader<TokenizedDocument> input, ChannelWriter<EmbeddedWindow> output, CancellationToken token)
    {
        var windowTokens = 4L * _model.BatchTokens;
        var window = new List<TokenizedDocument>(1024);
        var sequences = new List<int[]>(1024);
        var dimensions = _model.Dimensions;
        while (await input.WaitToReadAsync(token).ConfigureAwait(false))
        {
            long tokens = 0;
            window.Clear();
            // Take what is queued, up to the window; but at least one full forward pass unless the shard's input has
            // ended: at a shard's start the device would otherwise run a few documents at a time while the
            // tokenizers catch up (they are far faster than the device; waiting for one batch costs milliseconds).
            do
            {
                while (tokens < windowTokens && window.Count < 8192 && input.TryRead(out var document))
                {
                    window.Add(document);
                    tokens += document.Ids.Length;
                }
            }
            while (tokens < _model.BatchTokens && window.Count < 8192 && await input.WaitToReadAsync(token).ConfigureAwait(false));
            if (window.Count == 0) continue;
            sequences.Clear();
            foreach (var document in window) sequences.Add(document.Ids);
            var vectors = ArrayPool<float>.Shared.Rent(window.Count * dimensions);
            // Passes run shortest first; rows stay in input order.
            _model.EmbedByLength(sequences, vectors.AsSpan(0, window.Count * dimensions));
            _progress.AddDocuments(window.Count, tokens);
            await output.WriteAsync(new EmbeddedWindow([.. window], window.Count, vectors), token).ConfigureAwait(false);
        }
    }

    private async Task<(long Rows, long Tokens)> WriteAsync(JobContext job, ChannelReader<EmbeddedWindow> input, string tempPath, string? openAiPath, int shardIndex,
        IReadOnlyList<KeptFieldType>? keptTypes, CancellationToken token)
    {
        var dimensions = _model.Dimensions;
        var keep = job.Spec.Input.KeepFields;
        long rows = 0, tokens = 0;
        await using var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        await using var openAiFile = openAiPath is null ? null : new FileStream(openAiPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        using var openAi = openAiFile is null ? null : new OpenAiBatchResultWriter(openAiFile, _model.ModelId, dimensions, shardIndex);
        using (var writer = new EmbeddingParquetWriter(file, dimensions, job.VectorType, keep, PartFiles.Metadata(_model, job.JobId), job.ParquetOptions, KeptColumnTypes.Of(keptTypes),
            chunks: job.Spec.Embed.ChunkTokens is not null))
        {
            await foreach (var window in input.ReadAllAsync(token).ConfigureAwait(false))
            {
                for (var i = 0; i < window.Count; i++)
                {
                    var item = window.Documents[i];
                    writer.Append(item.Document.Id, window.Vectors.AsSpan(i * dimensions, dimensions), item.Ids.Length, item.Truncated, item.Document.KeptFields, item.Chunk);
                    openAi?.Add(item.Document, window.Vectors.AsSpan(i * dimensions, dimensions), item.Ids.Length);
                    tokens += item.Ids.Length;
                }
                rows += window.Count;
                ArrayPool<float>.Shared.Return(window.Vectors);
            }
            writer.Complete();
            openAi?.Complete();
        }
        await file.FlushAsync(token).ConfigureAwait(false);
        if (openAiFile is not null) await openAiFile.FlushAsync(token).ConfigureAwait(false);
        return (rows, tokens);
    }

    /// <summary>The errors file: one JSON object per bad line, naming the input, the line and the reason.</summary>
    private static byte[] ErrorLines(IReadOnlyList<DocumentError> errors) => PartFiles.JsonLines(errors, static (json, error) =>
    {
        json.WriteString("source", error.Source);
        json.WriteNumber("line", error.Line);
        json.WriteString("reason", error.Reason);
    });
}
