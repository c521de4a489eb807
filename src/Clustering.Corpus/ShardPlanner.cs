using Clustering.Storage;

namespace Clustering.Corpus;

/// <summary>
/// Cuts resolved inputs into shards of about <c>shardDocuments</c> (N, <see cref="JobSpec.ShardDocs"/>) documents.
/// <list type="bullet">
/// <item>Line formats are scanned once (<see cref="LineScanner"/>, several files at a time) to count lines; a line is
///   counted as a document (blank and bad lines included, so counts are estimates that are exact for clean input).</item>
/// <item>Inputs are taken in their sorted order. A file of at most N lines is never split: it joins the open shard if
///   it fits, else it starts a new one (so a shard may hold many small files). A file of more than N lines starts a new
///   shard and is cut every N lines (uncompressed: byte ranges at line boundaries; gzip: line ranges, each read from
///   the start of the stream); its last, partial piece stays open for the files after it.</item>
/// <item><c>--text-mode file</c>: each text file is one document, so N whole files make a shard.</item>
/// </list>
/// The result depends only on the inputs (names, keys, fingerprints, bytes) and N, so planning again gives the same plan.
/// </summary>
public sealed class ShardPlanner(InputStores stores)
{
    public async Task<ShardPlan> PlanAsync(IReadOnlyList<CorpusInput> inputs, CorpusOptions options, int shardDocuments,
        CancellationToken cancellationToken = default)
    {
        options.Validate();
        CorpusOptions.CheckShardDocs(shardDocuments);
        var n = shardDocuments;
        var scans = new LineScanner.Result?[inputs.Count];
        var rowGroups = new long[]?[inputs.Count];
        var keptTypes = new KeptFieldType?[inputs.Count][];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 1, 8), CancellationToken = cancellationToken };
        var badFiles = new InputFileException?[inputs.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, inputs.Count), parallel, async (i, ct) =>
        {
            var input = inputs[i];
            try
            {
                if (stores.Open(input.Root) is LocalBlobStore local && LocalFileCheck.Problem(local.PathOf(input.Key)) is { } problem)
                    throw new InputFileException(input.Name, problem);
                if (input.Format == InputFormat.Parquet)
                {
                    (rowGroups[i], keptTypes[i]) = await ParquetFooterAsync(input, options, ct).ConfigureAwait(false);
                    return;
                }
                if (IsWholeFile(input, options) || (input.Length == 0 && !input.Format.IsGzip())) return;
                var raw = await stores.Open(input.Root).OpenReadAsync(input.Key, 0, null, ct).ConfigureAwait(false);
                var stream = input.Format.IsGzip() ? new GzipDecoderStream(raw) : raw;
                await using (stream.ConfigureAwait(false))
                    scans[i] = await LineScanner.ScanAsync(stream, n, ct).ConfigureAwait(false);
                if (scans[i]!.Value.Broken is { } broken) throw new InputFileException(input.Name, broken);
            }
            catch (InputFileException e)
            {
                badFiles[i] = e;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                badFiles[i] = new InputFileException(input.Name, $"cannot be read: {e.Message}");
            }
        }).ConfigureAwait(false);
        var skipped = new List<string>();
        for (var i = 0; i < inputs.Count; i++)
        {
            if (badFiles[i] is not { } bad) continue;
            var others = badFiles.Count(b => b is not null) - 1;
            if (!options.SkipBadFiles)
                throw others == 0 ? bad : new InputFileException(bad.Input, $"{bad.Reason} (and {others} more bad files; --skip-bad-files embeds the others)");
            skipped.Add(bad.Message);
        }
        if (skipped.Count > 0 && skipped.Count == inputs.Count)
            throw new InputFileException(badFiles[0]!.Input, $"{badFiles[0]!.Reason} (and every other input is bad too: nothing to embed)");

        var shards = new List<Shard>();
        var open = new List<ShardSlice>();
        long openDocuments = 0;
        void Close()
        {
            if (open.Count == 0) return;
            shards.Add(new Shard(shards.Count, openDocuments, [.. open]));
            open.Clear();
            openDocuments = 0;
        }
        void Add(ShardSlice slice)
        {
            open.Add(slice);
            openDocuments += slice.Lines;
            if (openDocuments >= n) Close();
        }

        for (var i = 0; i < inputs.Count; i++)
        {
            if (badFiles[i] is not null) continue;
            var input = inputs[i];
            var gzip = input.Format.IsGzip();
            if (input.Format == InputFormat.Parquet)
            {
                PlanParquet(i, input, rowGroups[i]!, n, Add, Close, () => openDocuments);
                continue;
            }
            if (IsWholeFile(input, options))
            {
                Add(new ShardSlice(i, 0, input.Length, 1, 1, ToEnd: true));
                continue;
            }
            if (input.Length == 0 && !gzip) continue; // nothing to read (an empty .gz is read: the reader reports it broken)
            var scan = scans[i]!.Value;
            if (scan.Lines <= n)
            {
                if (openDocuments + scan.Lines > n) Close();
                Add(new ShardSlice(i, 0, input.Length, 1, scan.Lines, ToEnd: true));
                continue;
            }
            Close();
            var pieces = (scan.Lines + n - 1) / n;
            for (long piece = 0; piece < pieces; piece++)
            {
                var last = piece == pieces - 1;
                var lines = last ? scan.Lines - piece * n : n;
                var start = gzip || piece == 0 ? 0 : scan.CutOffsets[piece - 1];
                var end = gzip || last ? input.Length : scan.CutOffsets[piece];
                Add(new ShardSlice(i, start, end, piece * n + 1, lines, ToEnd: last));
            }
        }
        Close();
        return new ShardPlan(ShardPlan.CurrentVersion, n, options.TextMode, inputs, shards) { KeptTypes = KeptFieldTypes.Agree(options.KeepFields.Count, keptTypes), SkippedFiles = skipped.Count == 0 ? null : skipped };
    }

    /// <summary>
    /// The rows of each row group, from the footer alone (two ranged reads: the tail, then the footer); the requested
    /// columns are checked against the schema here so that a file they cannot be read from fails before any work.
    /// Also the output type each kept column asks for (null where the file lacks it).
    /// </summary>
    private async Task<(long[] RowGroups, KeptFieldType?[] Kept)> ParquetFooterAsync(CorpusInput input, CorpusOptions options, CancellationToken cancellationToken)
    {
        await using var reader = await ParquetFile.OpenAsync(stores.Open(input.Root), input, cancellationToken).ConfigureAwait(false);
        var columns = ParquetRequestedColumns.Resolve(reader.Schema, options, input.Name);
        return (reader.Metadata!.RowGroups.Select(g => g.NumRows).ToArray(), columns.Kept.Select(k => k.KeptType).ToArray());
    }

    /// <summary>
    /// Row groups are never split unless one alone holds more than N rows: a file of at most N rows is one slice (it
    /// joins the open shard if it fits); a larger file starts a new shard and is cut into runs of whole row groups of at
    /// most N rows, each its own shard, a row group of more than N rows into pieces of N rows; the last run stays open.
    /// </summary>
    private static void PlanParquet(int index, CorpusInput input, long[] groups, long n, Action<ShardSlice> add, Action close, Func<long> openDocuments)
    {
        var total = groups.Sum();
        if (total == 0) return;
        ShardSlice Slice(int firstGroup, int groupCount, long firstRow, long rows, bool last) =>
            new(index, 0, input.Length, firstRow + 1, rows, last) { FirstRowGroup = firstGroup, RowGroups = groupCount };
        if (total <= n)
        {
            if (openDocuments() + total > n) close();
            add(Slice(0, groups.Length, 0, total, last: true));
            return;
        }
        close();
        var pending = new List<ShardSlice>();
        int runStart = 0, runGroups = 0;
        long runFirstRow = 0, runRows = 0, row = 0;
        void Flush()
        {
            if (runGroups > 0) pending.Add(Slice(runStart, runGroups, runFirstRow, runRows, last: false));
            runGroups = 0;
            runRows = 0;
        }
        for (var g = 0; g < groups.Length; g++)
        {
            var rows = groups[g];
            if (rows > n)
            {
                Flush();
                for (long piece = 0; piece < rows; piece += n)
                    pending.Add(Slice(g, 1, row + piece, Math.Min(n, rows - piece), last: false));
            }
            else
            {
                if (runRows + rows > n) Flush();
                if (runGroups == 0)
                {
                    runStart = g;
                    runFirstRow = row;
                }
                runGroups++;
                runRows += rows;
            }
            row += rows;
        }
        Flush();
        pending[^1] = pending[^1] with { ToEnd = true };
        for (var s = 0; s < pending.Count; s++)
        {
            add(pending[s]);
            if (s < pending.Count - 1) close();
        }
    }

    /// <summary>The inputs whose object changed or vanished since <paramref name="plan"/> was made.</summary>
    public async Task<IReadOnlyList<CorpusInput>> FindChangedInputsAsync(ShardPlan plan, CancellationToken cancellationToken = default)
    {
        var changed = new List<CorpusInput>();
        foreach (var input in plan.Inputs)
        {
            var current = await stores.Open(input.Root).GetPropertiesAsync(input.Key, cancellationToken).ConfigureAwait(false);
            if (current is null || !input.IsSameVersion(current)) changed.Add(input);
        }
        return changed;
    }

    private static bool IsWholeFile(CorpusInput input, CorpusOptions options) => input.Format.IsText() && options.TextMode == TextMode.File;
}
