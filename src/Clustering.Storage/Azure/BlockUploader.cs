using System.Buffers;
using System.Buffers.Binary;

namespace Clustering.Storage.Azure;

/// <summary>
/// Streams a large object up as blocks: reads the source one block at a time into pooled buffers and keeps up to
/// <see cref="StorageOptions.MaxParallelBlocks"/> Put Block requests in flight, so memory stays near
/// (parallel + 1) × block size whatever the object's size. Each buffer lives until its block is acknowledged,
/// which is what makes a block's retries possible. The caller commits the returned block list.
/// </summary>
internal sealed class BlockUploader(AzureBlobStore store, string key, Guid writeId)
{
    /// <summary>The service's limit on blocks in one blob.</summary>
    public const int MaxBlocks = 50_000;

    /// <summary>Uploads <paramref name="first"/> (owned from now on) and the rest of <paramref name="content"/>; returns block ids in order and the total size.</summary>
    public async Task<(List<string> BlockIds, long Total)> UploadAsync(byte[] first, int firstLength, Stream content, CancellationToken cancellationToken)
    {
        var options = store.Client.Options;
        var blockSize = options.BlockSize;
        var parallel = Math.Max(1, options.MaxParallelBlocks);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inFlight = new List<Task>(parallel);
        var ids = new List<string>();
        long total = 0;
        byte[]? buffer = first;
        var filled = firstLength;
        try
        {
            while (true)
            {
                if (ids.Count == MaxBlocks)
                    throw new ClusteringException($"{store.DisplayName}/{key}: more than {MaxBlocks} blocks of {blockSize} bytes; raise the block size");
                var id = BlockId(writeId, ids.Count);
                ids.Add(id);
                total += filled;
                inFlight.Add(UploadOneAsync(id, buffer, filled, failed.Token));
                buffer = null;
                if (filled < blockSize) break;
                while (inFlight.Count >= parallel)
                {
                    var done = await Task.WhenAny(inFlight).ConfigureAwait(false);
                    inFlight.Remove(done);
                    await done.ConfigureAwait(false);
                }
                buffer = ArrayPool<byte>.Shared.Rent(blockSize);
                filled = await content.ReadAtLeastAsync(buffer.AsMemory(0, blockSize), blockSize, throwOnEndOfStream: false, failed.Token).ConfigureAwait(false);
                if (filled == 0) break;
            }
            await Task.WhenAll(inFlight).ConfigureAwait(false);
            return (ids, total);
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            try { await Task.WhenAll(inFlight).ConfigureAwait(false); }
            catch (Exception) { /* the first failure is the one reported */ }
            throw;
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task UploadOneAsync(string blockId, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        try
        {
            await store.PutBlockAsync(key, blockId, buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Base64 of (write id, block index): equal length for every block as the service requires, and unique per write,
    /// so two writers staging blocks of one blob at once never overwrite each other's uncommitted blocks.
    /// </summary>
    internal static string BlockId(Guid writeId, int index)
    {
        Span<byte> bytes = stackalloc byte[20];
        writeId.TryWriteBytes(bytes);
        BinaryPrimitives.WriteInt32BigEndian(bytes[16..], index);
        return Convert.ToBase64String(bytes);
    }
}
