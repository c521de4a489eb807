using Clustering.Inference;
using Clustering.Parquet;
using Clustering.Storage;

namespace Clustering.Pipeline.Streaming;

/// <summary>
/// Embeds one sealed window and commits it: parses its events, tokenizes, embeds on the model's device (a long-running task, never the caller's
/// thread: the caller is a grain), writes <c>part-NNNNNNNN.parquet</c> with a <c>deleted</c> column (tombstones: a
/// zero vector, n_tokens 0), the bad events to <c>_errors/</c>, and finally the manifest create-if-absent. A window
/// whose manifest exists is already committed: nothing is written again. The part's name is fixed by the window, so
/// a writer that died before the manifest leaves nothing a later attempt does not overwrite.
/// </summary>
public sealed class StreamWindowWriter(Func<JobSpec, EmbeddingModel> models, string? tempFolder = null)
{
    public const string DeletedColumn = "deleted";
    private const int MaxErrorEventChars = 4096;

    private readonly string _tempFolder = tempFolder ?? Path.GetTempPath();

    /// <summary>The committed window's manifest: this writer's, or the one that was there already.</summary>
    public async Task<WindowManifest> CommitAsync(WindowWork work, IBlobStore output, CancellationToken cancellationToken)
    {
        if (await CommittedAsync(work, output, cancellationToken).ConfigureAwait(false) is { } committed) return committed;
        return await WriteAsync(work, await EmbedAsync(work.Spec, work.Events, cancellationToken).ConfigureAwait(false), output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Commits a window whose events were embedded beforehand (<see cref="EmbedAsync"/>, started before the window was
    /// sealed, while the window before it was written): the stream job overlaps the device's work with the writing.
    /// </summary>
    public async Task<WindowManifest> CommitAsync(WindowWork work, Task<WindowEmbedding> embedding, IBlobStore output, CancellationToken cancellationToken)
    {
        if (await CommittedAsync(work, output, cancellationToken).ConfigureAwait(false) is { } committed) return committed;
        return await WriteAsync(work, await embedding.ConfigureAwait(false), output, cancellationToken).ConfigureAwait(false);
    }

    private static Task<WindowManifest?> CommittedAsync(WindowWork work, IBlobStore output, CancellationToken cancellationToken) =>
        ManifestObject.ReadAsync<WindowManifest>(output, WindowLayout.ManifestKey(work.Start), cancellationToken);

    /// <summary>
    /// Parses, tokenizes and embeds a window's events. Writes nothing, so it may run before the window is sealed. Loading
    /// the model, tokenizing and the forward passes run on a thread of their own: the caller is a grain, whose turn must
    /// not hold the silo's scheduler (membership probes are answered there).
    /// </summary>
    public Task<WindowEmbedding> EmbedAsync(JobSpec spec, IReadOnlyList<JournaledEvent> events, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() =>
        {
            var model = models(spec);
            var (rows, errors) = Rows(spec, events, model);
            var documents = rows.Where(r => !r.Event.Deleted).ToList();
            var vectors = new float[documents.Count * model.Dimensions]; // (documents, dimensions)
            model.EmbedByLength(documents.Select(d => d.Ids).ToArray(), vectors);
            return new WindowEmbedding(model, rows, errors, documents, vectors);
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private async Task<WindowManifest> WriteAsync(WindowWork work, WindowEmbedding embedding, IBlobStore output, CancellationToken cancellationToken)
    {
        var (model, rows, errors, documents, vectors) = (embedding.Model, embedding.Rows, embedding.Errors, embedding.Documents, embedding.Vectors);
        var manifestKey = WindowLayout.ManifestKey(work.Start);
        var partKey = WindowLayout.PartKey(work.Start, work.Window);
        var (bytes, sha) = await WritePartAsync(work, output, model, rows, documents, vectors, partKey, cancellationToken).ConfigureAwait(false);
        string? errorsKey = null;
        if (errors.Count > 0)
        {
            errorsKey = WindowLayout.ErrorsKey(work.Start, work.Window);
            await output.WriteAsync(errorsKey, new MemoryStream(ErrorLines(errors)), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        var manifest = new WindowManifest
        {
            Job = work.Job,
            Window = work.Window,
            Start = work.Start,
            Part = partKey,
            Rows = rows.Count,
            Documents = documents.Count,
            Tombstones = rows.Count - documents.Count,
            Errors = errors.Count,
            ErrorsFile = errorsKey,
            Events = work.Events.Count,
            Bytes = bytes,
            Sha256 = sha,
            JournalFrom = work.JournalFrom,
            JournalTo = work.JournalTo,
            Model = model.ModelId,
            Dimensions = model.Dimensions,
            FirstReceivedAt = work.FirstReceivedAt,
            CommittedAt = DateTimeOffset.UtcNow,
        };
        // When another activation committed this window first (the same part from the same journal range), its manifest counts.
        return (await ManifestObject.CreateAsync(output, manifestKey, manifest, cancellationToken).ConfigureAwait(false)).Manifest;
    }

    /// <summary>
    /// The rows of the window: every good event once, in the order received (versions of an id are not collapsed:
    /// a queue is not FIFO, so arrival order need not be publish order; readers keep the latest by their own version
    /// field or by window), and the bad events.
    /// </summary>
    private static (List<Row> Rows, List<WindowError> Errors) Rows(JobSpec spec, IReadOnlyList<JournaledEvent> events, EmbeddingModel model)
    {
        var errors = new List<WindowError>();
        var rows = new List<Row>(events.Count);
        foreach (var journaled in events)
        {
            var parsed = StreamEvent.Parse(journaled.Text, spec.Input);
            int[] ids = [];
            var truncated = false;
            if (!parsed.IsBad && !parsed.Deleted)
            {
                try
                {
                    (ids, truncated) = model.Tokenize(parsed.Text!);
                }
                catch (ClusteringException e)
                {
                    // A document the model cannot take (no tokens at all) is a bad event, not a failed window.
                    parsed = parsed with { Error = e.Message };
                }
            }
            if (parsed.IsBad) errors.Add(new WindowError(journaled.Position, parsed.Error!, parsed.Id, journaled.Text));
            else rows.Add(new Row(parsed, ids, truncated));
        }
        return (rows, errors);
    }

    private async Task<(long Bytes, string Sha256)> WritePartAsync(WindowWork work, IBlobStore output, EmbeddingModel model, List<Row> rows,
        List<Row> documents, float[] vectors, string partKey, CancellationToken cancellationToken)
    {
        var job = new JobContext(work.Job, work.Spec, output);
        var keep = work.Spec.Input.KeepFields;
        var columns = keep.Append(DeletedColumn).ToArray();
        var types = keep.Select(_ => ParquetColumnType.String).Append(ParquetColumnType.Boolean).ToArray();
        var temp = Path.Combine(_tempFolder, $"clustering-stream-{work.Job}-{work.Window}-{Guid.NewGuid():N}.parquet");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                using var writer = new EmbeddingParquetWriter(file, model.Dimensions, job.VectorType, columns, PartFiles.Metadata(model, work.Job), job.ParquetOptions, types);
                var zero = new float[model.Dimensions];
                var values = new string?[columns.Length];
                var next = 0;
                foreach (var row in rows)
                {
                    row.Event.KeptFields.CopyTo(values, 0);
                    values[^1] = row.Event.Deleted ? "true" : "false";
                    if (row.Event.Deleted)
                    {
                        writer.Append(row.Event.Id!, zero, 0, false, values);
                        continue;
                    }
                    writer.Append(row.Event.Id!, vectors.AsSpan(next * model.Dimensions, model.Dimensions), row.Ids.Length, row.Truncated, values);
                    next++;
                }
                writer.Complete();
            }
            return await PartFiles.UploadAsync(output, partKey, temp, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>One JSON object per bad event: where the source had it, why it is bad, its id when it had one, its text (cut at 4 KB).</summary>
    private static byte[] ErrorLines(List<WindowError> errors) => PartFiles.JsonLines(errors, static (json, error) =>
    {
        json.WriteString("position", error.Position);
        json.WriteString("reason", error.Reason);
        if (error.Id is not null) json.WriteString("id", error.Id);
        json.WriteString("event", error.Text.Length > MaxErrorEventChars ? error.Text[..MaxErrorEventChars] : error.Text);
    });

    internal sealed record Row(StreamEvent Event, int[] Ids, bool Truncated);

    internal sealed record WindowError(string Position, string Reason, string? Id, string Text);
}

/// <summary>A window's events embedded and not yet written: its rows (documents and tombstones), bad events and vectors (documents, dimensions).</summary>
public sealed class WindowEmbedding
{
    internal WindowEmbedding(EmbeddingModel model, List<StreamWindowWriter.Row> rows, List<StreamWindowWriter.WindowError> errors,
        List<StreamWindowWriter.Row> documents, float[] vectors) => (Model, Rows, Errors, Documents, Vectors) = (model, rows, errors, documents, vectors);

    internal EmbeddingModel Model { get; }
    internal List<StreamWindowWriter.Row> Rows { get; }
    internal List<StreamWindowWriter.WindowError> Errors { get; }
    internal List<StreamWindowWriter.Row> Documents { get; }
    internal float[] Vectors { get; }
}
