using System.Collections.Concurrent;
using System.Security.Cryptography;
using Clustering.Storage.Azure;
using Clustering.Storage.Tests.Support;

namespace Clustering.Storage.Tests;

/// <summary>
/// Azurite stopped in the middle of an operation and started again a few seconds later on the same port and data
/// folder: the operation completes through retries (writes) or by resuming the range (reads), with identical bytes.
/// Each test owns its Azurite, since it stops it.
/// </summary>
public sealed class AzuriteRestartTests
{
    internal const int Outage = 3000; // ms

    internal static StorageOptions Options(ConcurrentQueue<BlobStoreEvent> events) => new()
    {
        BlockSize = 1 << 20,
        MaxParallelBlocks = 3,
        Events = events.Enqueue,
        // Attempts enough to outlast a restart of Azurite on a loaded 2-core machine (node alone can take 30 s there).
        Retry = { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1), AttemptTimeout = TimeSpan.FromSeconds(10), MaxAttempts = 150 },
    };

    [Fact]
    public async Task A_block_upload_survives_Azurite_stopping_and_starting_again()
    {
        await using var azurite = await AzuriteProcess.StartNewAsync();
        var events = new ConcurrentQueue<BlobStoreEvent>();
        var store = new AzureBlobStore(azurite.Account, "restart", Options(events));
        await store.CreateContainerIfNotExistsAsync();

        const long size = 24L << 20;
        Task? outage = null;
        await using var source = new DeterministicStream(size, seed: 7);
        await using var watched = new CallbackAtStream(source, 8L << 20, () => outage = Task.Run(async () =>
        {
            await azurite.StopAsync();
            await Task.Delay(Outage);
            await azurite.StartAsync();
        }));
        var written = await store.WriteAsync("jobs/j1/part-0.bin", watched);
        await outage!;

        Assert.Equal(size, written.Length);
        Assert.Contains(events, e => e.Level == BlobStoreEventLevel.Warning && e.Message.Contains("connection failed"));
        Assert.Equal(Convert.ToHexString(source.Sha256()), Convert.ToHexString(await HashAsync(await store.OpenReadAsync("jobs/j1/part-0.bin"))));
    }

    internal static async Task<byte[]> HashAsync(Stream stream)
    {
        await using (stream) return await SHA256.HashDataAsync(stream);
    }

    /// <summary>Passes reads through and calls back once when <c>at</c> bytes have gone by.</summary>
    private sealed class CallbackAtStream(Stream inner, long at, Action callback) : Stream
    {
        private long _position;
        private bool _fired;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Advance(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Advance(await inner.ReadAsync(buffer, cancellationToken));

        private int Advance(int n)
        {
            _position += n;
            if (!_fired && _position >= at)
            {
                _fired = true;
                callback();
            }
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>The read half of the restart tests, in its own class so that its Azurite restarts overlap the upload's.</summary>
public sealed class AzuriteRestartReadTests
{
    private const int Outage = AzuriteRestartTests.Outage;

    private static StorageOptions Options(ConcurrentQueue<BlobStoreEvent> events) => AzuriteRestartTests.Options(events);

    [Fact]
    public async Task A_streaming_read_resumes_where_it_stopped_after_Azurite_comes_back()
    {
        await using var azurite = await AzuriteProcess.StartNewAsync();
        var events = new ConcurrentQueue<BlobStoreEvent>();
        var store = new AzureBlobStore(azurite.Account, "restart", Options(events));
        await store.CreateContainerIfNotExistsAsync();
        const long size = 32L << 20;
        await using var source = new DeterministicStream(size, seed: 9);
        await store.WriteAsync("corpus/big.jsonl", source);
        // A graceful restart saves Azurite's metadata, so the crash below cannot lose the object itself.
        await azurite.StopAsync();
        await azurite.StartAsync();

        await using var read = await store.OpenReadAsync("corpus/big.jsonl", 1000);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long got = 0;
        var stopped = false;
        int n;
        while ((n = await read.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            got += n;
            if (!stopped && got > (4L << 20))
            {
                stopped = true;
                await azurite.StopAsync(crash: true); // a graceful stop would wait for this very response
                _ = Task.Run(async () => { await Task.Delay(Outage); await azurite.StartAsync(); });
            }
        }

        Assert.Equal(size - 1000, got);
        // The SDK's download stream asked again for the rest, pinned to the first ETag, through our retry policy.
        Assert.Contains(events, e => e.Level == BlobStoreEventLevel.Warning && e.Operation == "reading 'restart/corpus/big.jsonl'");
        await using (var whole = await store.OpenReadAsync("corpus/big.jsonl", 1000))
            Assert.Equal(Convert.ToHexString(await AzuriteRestartTests.HashAsync(whole)), Convert.ToHexString(hash.GetCurrentHash()));
    }
}
