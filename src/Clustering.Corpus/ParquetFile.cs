using System.Buffers.Binary;
using Clustering.Storage;
using Parquet;

namespace Clustering.Corpus;

/// <summary>
/// Opens a Parquet input through Parquet.Net, reading only its ends: the 4-byte magic at the start, then the last 8
/// bytes (footer length + magic) and the footer. What is not a Parquet file, or was cut short, is an
/// <see cref="InputFileException"/> naming the input and what is wrong; the row data is not touched here.
/// </summary>
internal static class ParquetFile
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();
    private static readonly byte[] EncryptedMagic = "PARE"u8.ToArray();

    public static async Task<ParquetReader> OpenAsync(IBlobStore store, CorpusInput input, CancellationToken cancellationToken)
    {
        var stream = store is LocalBlobStore local
            ? new FileStream(local.PathOf(input.Key), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: false)
            : (Stream)new SeekableBlobStream(store, input.Key, input.Length);
        try
        {
            await CheckEndsAsync(stream, input, cancellationToken).ConfigureAwait(false);
            stream.Position = 0;
            try
            {
                // DATE columns as DateOnly, so a kept date reads as 2026-01-01 rather than a midnight timestamp.
                return await ParquetReader.CreateAsync(stream, new ParquetOptions { UseDateOnlyTypeForDates = true }, leaveStreamOpen: false, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not (OperationCanceledException or ClusteringException))
            {
                throw new InputFileException(input.Name, $"unreadable Parquet footer ({e.GetBaseException().Message})");
            }
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task CheckEndsAsync(Stream stream, CorpusInput input, CancellationToken cancellationToken)
    {
        var length = input.Length;
        if (length < 12)
            throw new InputFileException(input.Name, $"not a Parquet file ({length} bytes; the smallest Parquet file has 12)");
        var head = new byte[4];
        stream.Position = 0;
        await stream.ReadExactlyAsync(head, cancellationToken).ConfigureAwait(false);
        if (head.AsSpan().SequenceEqual(EncryptedMagic))
            throw new InputFileException(input.Name, "encrypted Parquet files are not supported");
        if (!head.AsSpan().SequenceEqual(Magic))
            throw new InputFileException(input.Name, "not a Parquet file (it does not start with PAR1)");
        var tail = new byte[8];
        stream.Position = length - 8;
        await stream.ReadExactlyAsync(tail, cancellationToken).ConfigureAwait(false);
        if (!tail.AsSpan(4).SequenceEqual(Magic))
            throw new InputFileException(input.Name, "truncated Parquet file (it does not end with PAR1, so its footer is missing)");
        var footer = BinaryPrimitives.ReadUInt32LittleEndian(tail);
        if (footer > length - 12)
            throw new InputFileException(input.Name, $"truncated Parquet file (a footer of {footer} bytes does not fit in {length} bytes)");
    }
}
