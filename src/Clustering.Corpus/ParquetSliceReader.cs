using System.Runtime.CompilerServices;
using Clustering.Storage;

namespace Clustering.Corpus;

/// <summary>
/// Reads the rows of one Parquet slice (<see cref="ShardSlice.FirstRowGroup"/> and on): each row becomes a
/// <see cref="Document"/> or a <see cref="DocumentError"/> whose line is the row's number in the file (1-based, over all
/// row groups) and whose reason names the row group and the row in it. Null or missing texts, invalid UTF-8 and
/// oversize texts are row errors; a row group that cannot be decoded is an <see cref="InputFileException"/>.
/// Memory: the requested columns of one row group at a time.
/// </summary>
internal sealed class ParquetSliceReader(CorpusOptions options)
{
    public async IAsyncEnumerable<CorpusRecord> ReadAsync(IBlobStore store, CorpusInput input, ShardSlice slice,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var reader = await ParquetFile.OpenAsync(store, input, cancellationToken).ConfigureAwait(false);
        var columns = ParquetRequestedColumns.Resolve(reader.Schema, options, input.Name);
        var groups = reader.Metadata!.RowGroups;
        var first = slice.FirstRowGroup!.Value;
        var end = first + slice.RowGroups!.Value;
        if (end > groups.Count)
            throw new InputChangedException(input.Name, $"it has {groups.Count} row groups, the plan reads up to {end}");
        long groupStart = 0; // rows before row group g, 0-based
        for (var g = 0; g < first; g++) groupStart += groups[g].NumRows;
        var sliceStart = slice.FirstLine - 1;
        var sliceEnd = sliceStart + slice.Lines;

        for (var g = first; g < end; g++)
        {
            var rows = (int)groups[g].NumRows;
            var from = (int)Math.Max(0, sliceStart - groupStart);
            var to = (int)Math.Min(rows, sliceEnd - groupStart);
            if (from < to)
            {
                var batch = await ReadGroupAsync(reader, columns, input, g, rows, groupStart, from, to, cancellationToken).ConfigureAwait(false);
                foreach (var record in batch) yield return record;
            }
            groupStart += rows;
        }
    }

    private async Task<List<CorpusRecord>> ReadGroupAsync(Parquet.ParquetReader reader, ParquetRequestedColumns columns, CorpusInput input,
        int g, int rows, long groupStart, int from, int to, CancellationToken cancellationToken)
    {
        ParquetColumnReader.Values text = default, id = default;
        var kept = new ParquetColumnReader.Values[columns.Kept.Length];
        try
        {
            using var group = reader.OpenRowGroupReader(g);
            if (columns.Text.Field is not null)
                text = await ParquetColumnReader.ReadAsync(group, columns.Text, rows, options.MaxDocumentBytes, cancellationToken).ConfigureAwait(false);
            if (columns.Id.Field is not null)
                id = await ParquetColumnReader.ReadAsync(group, columns.Id, rows, int.MaxValue, cancellationToken).ConfigureAwait(false);
            for (var k = 0; k < kept.Length; k++)
                if (columns.Kept[k].Field is not null)
                    kept[k] = await ParquetColumnReader.ReadAsync(group, columns.Kept[k], rows, int.MaxValue, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (OperationCanceledException or ClusteringException))
        {
            throw new InputFileException(input.Name, $"row group {g} cannot be decoded ({e.GetBaseException().Message})");
        }

        var output = new List<CorpusRecord>(to - from);
        for (var r = from; r < to; r++)
        {
            var line = groupStart + r + 1;
            string? Error(string reason) => $"row group {g}, row {r}: {reason}";
            if (columns.Text.Field is null)
            {
                output.Add(new DocumentError(input.Name, line, Error($"no text column '{options.TextField}' in the file")!));
                continue;
            }
            if (text.Errors?[r] is { } textError)
            {
                output.Add(new DocumentError(input.Name, line, Error($"text column '{options.TextField}': {textError}")!));
                continue;
            }
            if (text.Strings[r] is not { } body)
            {
                output.Add(new DocumentError(input.Name, line, Error($"text column '{options.TextField}' is null")!));
                continue;
            }
            if (id.Errors?[r] is { } idError)
            {
                output.Add(new DocumentError(input.Name, line, Error($"id column '{options.IdField}': {idError}")!));
                continue;
            }
            string?[] values = kept.Length == 0 ? [] : new string?[kept.Length];
            string? keptError = null;
            for (var k = 0; k < kept.Length; k++)
            {
                if (kept[k].Strings is null) continue;
                if (kept[k].Errors?[r] is { } e) keptError ??= Error($"kept column '{columns.Kept[k].Path}': {e}");
                values[k] = kept[k].Strings[r];
            }
            if (keptError is not null)
            {
                output.Add(new DocumentError(input.Name, line, keptError));
                continue;
            }
            output.Add(new Document(id.Strings?[r] ?? $"{input.Name}:{line}", body, values, input.Name, line));
        }
        return output;
    }
}
