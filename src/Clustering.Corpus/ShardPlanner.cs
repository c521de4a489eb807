namespace Clustering.Corpus;

/// <summary>
/// Cuts resolved inputs into shards of about <see cref="CorpusOptions.ShardDocuments"/> (N) documents.
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
    public async Task<ShardPlan> PlanAsync(IReadOnlyList<CorpusInput> inputs, CorpusOptions options, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var n = options.ShardDocuments;
        var scans = new LineScanner.Result?[inputs.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 1, 8), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, inputs.Count), parallel, async (i, ct) =>
        {
            var input = inputs[i];
            if (IsWholeFile(input, options) || (input.Length == 0 && !input.Format.IsGzip())) return;
            var raw = await stores.Open(input.Root).OpenReadAsync(input.Key, 0, null, ct).ConfigureAwait(false);
            var stream = input.Format.IsGzip() ? new GzipDecoderStream(raw) : raw;
            await using (stream.ConfigureAwait(false))
                scans[i] = await LineScanner.ScanAsync(stream, n, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);

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
            var input = inputs[i];
            var gzip = input.Format.IsGzip();
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
        return new ShardPlan(ShardPlan.CurrentVersion, n, options.TextMode, inputs, shards);
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
