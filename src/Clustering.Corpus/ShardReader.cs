using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace Clustering.Corpus;

/// <summary>
/// Reads the documents of one shard (<see cref="ShardSpec"/>), in order: every line of every slice becomes a
/// <see cref="Document"/>, a <see cref="DocumentError"/> (naming input and line) or, when blank, nothing. Bad input
/// never ends the read; only a store failure or an input that changed since planning (<see cref="InputChangedException"/>)
/// throws. Memory per reader: one line buffer that grows to at most <c>--max-document-bytes</c> + 2 bytes.
/// </summary>
public sealed class ShardReader
{
    private readonly InputStores _stores;
    private readonly CorpusOptions _options;
    private readonly FieldNode _fields;

    public ShardReader(InputStores stores, CorpusOptions options)
    {
        options.Validate();
        _stores = stores;
        _options = options;
        _fields = FieldNode.Build(options);
    }

    public async IAsyncEnumerable<CorpusRecord> ReadAsync(ShardSpec shard, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var slice in shard.Slices)
            await foreach (var record in ReadSliceAsync(shard, slice, cancellationToken).ConfigureAwait(false))
                yield return record;
    }

    private async IAsyncEnumerable<CorpusRecord> ReadSliceAsync(ShardSpec shard, ShardSlice slice, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var input = shard.Inputs[slice.Input];
        var store = _stores.Open(input.Root);
        var current = await store.GetPropertiesAsync(input.Key, cancellationToken).ConfigureAwait(false);
        if (current is null) throw new InputChangedException(input.Name, "it no longer exists");
        if (!input.IsSameVersion(current))
            throw new InputChangedException(input.Name, $"length {input.Length} → {current.Length}, ETag {input.ETag} → {current.ETag}");

        if (input.Format == InputFormat.Parquet)
        {
            await foreach (var record in new ParquetSliceReader(_options).ReadAsync(store, input, slice, cancellationToken).ConfigureAwait(false))
                yield return record;
            yield break;
        }

        var gzip = input.Format.IsGzip();
        var stream = gzip
            ? new GzipDecoderStream(await store.OpenReadAsync(input.Key, 0, null, cancellationToken).ConfigureAwait(false))
            : await store.OpenReadAsync(input.Key, slice.ByteStart, slice.ByteEnd - slice.ByteStart, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var records = input.Format.IsText() && shard.TextMode == TextMode.File
                ? ReadWholeFileAsync(stream, input, cancellationToken)
                : ReadLinesAsync(stream, input, slice, cancellationToken);
            await foreach (var record in records.ConfigureAwait(false))
                yield return record;
        }
    }

    /// <summary>
    /// The lines of one slice. <paramref name="stream"/> starts at the slice's first byte (uncompressed) or at the
    /// start of the decompressed file (gzip: lines before <see cref="ShardSlice.FirstLine"/> are skipped unparsed).
    /// </summary>
    internal async IAsyncEnumerable<CorpusRecord> ReadLinesAsync(Stream stream, CorpusInput input, ShardSlice slice,
        [EnumeratorCancellation] CancellationToken cancellationToken = default, int initialBufferBytes = LineBuffer.InitialBytes)
    {
        var gzip = input.Format.IsGzip();
        var firstLine = slice.FirstLine;
        var lastLine = gzip && !slice.ToEnd ? slice.FirstLine + slice.Lines - 1 : long.MaxValue;
        var fileStartsHere = slice.ByteStart == 0 && (gzip || slice.FirstLine == 1);
        var parser = new LineDocumentParser(_options, _fields, input.Name, json: !input.Format.IsText());
        using var lines = new LineBuffer(_options.MaxDocumentBytes, gzip ? 1 : firstLine, initialBufferBytes);
        LastPeakBufferBytes = 0;
        var batch = new List<CorpusRecord>(256);
        var done = false;
        while (!done)
        {
            var (read, failure) = await ReadSafelyAsync(stream, lines.GetWritable(), cancellationToken).ConfigureAwait(false);
            if (failure is not null)
            {
                done = true;
                // Lines before this slice belong to an earlier slice, which reports the break itself.
                if (lines.NextLine >= firstLine && lines.NextLine <= lastLine)
                    batch.Add(new DocumentError(input.Name, lines.NextLine, $"{failure}; the rest of the file is not read"));
            }
            else
            {
                lines.Commit(read);
                done = Drain(lines, parser, batch, firstLine, lastLine, fileStartsHere, atEnd: read == 0) || read == 0;
            }
            foreach (var record in batch) yield return record;
            batch.Clear();
        }
        LastPeakBufferBytes = lines.PeakCapacity;
    }

    /// <summary>For tests: the largest line buffer the last <see cref="ReadLinesAsync"/> held.</summary>
    internal int LastPeakBufferBytes { get; private set; }

    /// <summary>Parses every complete line in the buffer; true when the slice's last line has been taken.</summary>
    private static bool Drain(LineBuffer lines, LineDocumentParser parser, List<CorpusRecord> output, long firstLine, long lastLine, bool fileStartsHere, bool atEnd)
    {
        while (true)
        {
            var status = lines.TryTakeLine(out var line, out var number, out var length);
            if (status == LineStatus.None)
            {
                if (!atEnd) return false;
                status = lines.TakeFinal(out line, out number, out length);
                if (status == LineStatus.None) return true;
            }
            if (number < firstLine) continue;
            if (number > lastLine) return true;
            if (status == LineStatus.Oversize)
                output.Add(new DocumentError(parser.Source, number, $"line of {length} bytes is over --max-document-bytes {lines.MaxLineBytes}"));
            else
                parser.Parse(line, number, fileStartsHere && number == 1, output);
            if (number == lastLine) return true;
        }
    }

    private static async ValueTask<(int Read, string? Failure)> ReadSafelyAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return (await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false), null);
        }
        catch (InvalidDataException e)
        {
            return (0, e.Message);
        }
    }

    /// <summary>A whole text file as one document (<c>--text-mode file</c>), id = the input's name.</summary>
    private async IAsyncEnumerable<CorpusRecord> ReadWholeFileAsync(Stream stream, CorpusInput input, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var cap = _options.MaxDocumentBytes;
        if (!input.Format.IsGzip() && input.Length > cap + 3L) // + a byte order mark
        {
            yield return new DocumentError(input.Name, 1, $"file of {input.Length} bytes is over --max-document-bytes {cap}");
            yield break;
        }
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(cap + 4L, input.Format.IsGzip() ? 1 << 16 : input.Length + 1));
        try
        {
            var filled = 0;
            string? failure = null;
            while (true)
            {
                if (filled == buffer.Length)
                {
                    if (filled > cap + 3) break;
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, cap + 4L));
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var (read, error) = await ReadSafelyAsync(stream, buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (error is not null) failure = error;
                if (read == 0) break;
                filled += read;
            }
            yield return WholeFileRecord(buffer.AsSpan(0, filled), failure, input);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private CorpusRecord WholeFileRecord(ReadOnlySpan<byte> content, string? failure, CorpusInput input)
    {
        if (failure is not null) return new DocumentError(input.Name, 1, failure);
        if (content.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) content = content[3..];
        if (content.Length > _options.MaxDocumentBytes)
            return new DocumentError(input.Name, 1, $"file of more than {_options.MaxDocumentBytes} bytes is over --max-document-bytes {_options.MaxDocumentBytes}");
        if (!Utf8.IsValid(content))
            return new DocumentError(input.Name, 1, $"invalid UTF-8 at byte {LineDocumentParser.InvalidUtf8Offset(content)} of the file");
        var kept = _options.KeepFields.Count == 0 ? [] : new string?[_options.KeepFields.Count];
        return new Document(input.Name, Encoding.UTF8.GetString(content), kept, input.Name, 1);
    }
}
