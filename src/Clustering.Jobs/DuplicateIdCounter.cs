using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Clustering.Corpus;
using Clustering.Parquet;
using Clustering.Storage;
using Parquet;
using Parquet.Schema;

namespace Clustering.Jobs;

/// <summary>
/// Counts duplicate ids over a job's committed parts at publish: rows whose id an earlier row already had, i.e.
/// <c>count(*) - count(distinct id)</c> (chunked outputs: over chunk 0, one row per document). Only the id column
/// (and chunk) of each part is read, row group by row group.
/// Memory stays bounded for any number of ids: each id becomes a 128-bit key (SHA-256, truncated; a collision among
/// a trillion ids has odds below 10^-14), keys are spread over as many bucket files as keep one bucket within
/// <see cref="BucketBytes"/> (none when all keys fit in one bucket), and each bucket is sorted and counted alone.
/// </summary>
public static class DuplicateIdCounter
{
    /// <summary>The most memory one bucket of keys takes (16 bytes per id): 4 M ids.</summary>
    public const long BucketBytes = 64L << 20;

    public static async Task<long> CountAsync(IBlobStore output, IReadOnlyList<ManifestFile> parts, bool chunked, string tempFolder,
        CancellationToken cancellationToken = default, long bucketBytes = BucketBytes)
    {
        var rows = parts.Sum(p => p.Rows);
        var buckets = (int)Math.Clamp((rows * 16 + bucketBytes - 1) / bucketBytes, 1, 4096);
        using var keys = new KeyBuckets(buckets, rows, tempFolder);
        foreach (var part in parts)
            await ReadKeysAsync(output, part, chunked, keys, cancellationToken).ConfigureAwait(false);
        return keys.CountDuplicates();
    }

    private static async Task ReadKeysAsync(IBlobStore output, ManifestFile part, bool chunked, KeyBuckets keys, CancellationToken cancellationToken)
    {
        await using var stream = output is LocalBlobStore local
            ? new FileStream(local.PathOf(part.Key), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16)
            : (Stream)new SeekableBlobStream(output, part.Key, part.Bytes);
        try
        {
            await using var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            var fields = reader.Schema.GetDataFields();
            var id = fields.FirstOrDefault(f => f.Name == EmbeddingParquetWriter.IdColumn)
                ?? throw new ClusteringException($"{output.DisplayName}/{part.Key}: no '{EmbeddingParquetWriter.IdColumn}' column");
            var chunk = chunked ? fields.FirstOrDefault(f => f.Name == EmbeddingParquetWriter.ChunkColumn) : null;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var count = checked((int)group.RowCount);
                var ids = new ReadOnlyMemory<char>[count];
                var defs = new int[count]; // asked for even when the column is required (Parquet.Net wants the buffer)
                await group.ReadRawAsync(id, ids.AsMemory(), defs, null, cancellationToken).ConfigureAwait(false);
                var chunks = chunk is null ? null : new int[count];
                if (chunk is not null) await group.ReadRawAsync(chunk, chunks.AsMemory(), new int[count], null, cancellationToken).ConfigureAwait(false);
                AddKeys(ids, chunks, keys);
            }
        }
        catch (Exception e) when (e is not (OperationCanceledException or ClusteringException))
        {
            throw new ClusteringException($"{output.DisplayName}/{part.Key}: its ids cannot be read to count duplicates ({e.GetBaseException().Message})");
        }
    }

    private static void AddKeys(ReadOnlyMemory<char>[] ids, int[]? chunks, KeyBuckets keys)
    {
        Span<byte> hash = stackalloc byte[32];
        for (var r = 0; r < ids.Length; r++)
        {
            if (chunks is not null && chunks[r] != 0) continue;
            SHA256.HashData(MemoryMarshal.AsBytes(ids[r].Span), hash);
            keys.Add(new UInt128(BinaryPrimitives.ReadUInt64LittleEndian(hash), BinaryPrimitives.ReadUInt64LittleEndian(hash[8..])));
        }
    }

    /// <summary>Keys spread by their top bits over buckets: in memory when there is one, else one temp file per bucket.</summary>
    private sealed class KeyBuckets : IDisposable
    {
        private readonly List<UInt128>? _memory;
        private readonly FileStream[] _files;
        private readonly string? _folder;

        public KeyBuckets(int buckets, long rows, string tempFolder)
        {
            if (buckets == 1)
            {
                _memory = new List<UInt128>((int)Math.Min(rows, int.MaxValue / 32));
                _files = [];
                return;
            }
            _folder = Path.Combine(tempFolder, $"clustering-ids-{Guid.NewGuid():N}");
            Directory.CreateDirectory(_folder);
            _files = new FileStream[buckets];
            for (var b = 0; b < buckets; b++)
                _files[b] = new FileStream(Path.Combine(_folder, $"{b}.keys"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 14,
                    FileOptions.DeleteOnClose);
        }

        public void Add(UInt128 key)
        {
            if (_memory is not null)
            {
                _memory.Add(key);
                return;
            }
            Span<byte> bytes = stackalloc byte[16];
            BinaryPrimitives.WriteUInt128LittleEndian(bytes, key);
            _files[(int)((ulong)(key >> 64) % (ulong)_files.Length)].Write(bytes);
        }

        public long CountDuplicates()
        {
            if (_memory is not null) return CountSorted(CollectionsMarshal.AsSpan(_memory));
            long duplicates = 0;
            foreach (var file in _files)
            {
                var keys = new UInt128[file.Length / 16];
                file.Position = 0;
                file.ReadExactly(MemoryMarshal.AsBytes(keys.AsSpan()));
                duplicates += CountSorted(keys);
            }
            return duplicates;
        }

        private static long CountSorted(Span<UInt128> keys)
        {
            keys.Sort();
            long duplicates = 0;
            for (var i = 1; i < keys.Length; i++)
                if (keys[i] == keys[i - 1]) duplicates++;
            return duplicates;
        }

        public void Dispose()
        {
            foreach (var file in _files) file.Dispose();
            if (_folder is not null) Directory.Delete(_folder, recursive: true);
        }
    }
}
