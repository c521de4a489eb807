using Clustering.Storage;

namespace Clustering.Corpus;

/// <summary>
/// An object of a store as a seekable, read-only stream, for readers that jump around (Parquet: the footer at the end,
/// then column chunks). Each read that misses the buffer is one ranged read: at least <see cref="ChunkBytes"/> from
/// the position, or exactly what was asked when that is more (a column chunk goes straight into the caller's buffer).
/// Nothing is read at open, so opening and reading a footer costs two small requests, not the whole object.
/// </summary>
public sealed class SeekableBlobStream : Stream
{
    public const int ChunkBytes = 64 << 10;

    private readonly IBlobStore _store;
    private readonly string _key;
    private readonly long _length;
    private byte[] _buffer = [];
    private long _bufferStart;
    private int _bufferLength;
    private long _position;

    /// <param name="length">The object's length as listed (a plan's fingerprint): reads never go past it.</param>
    public SeekableBlobStream(IBlobStore store, string key, long length)
    {
        _store = store;
        _key = key;
        _length = length;
    }

    /// <summary>Ranged reads issued so far (for tests: planning must not read the whole object).</summary>
    public int RangeReads { get; private set; }

    /// <summary>Bytes fetched from the store so far.</summary>
    public long BytesFetched { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        if (target < 0) throw new IOException($"{_store.DisplayName}/{_key}: seek to {target}, before the start");
        _position = target;
        return target;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (TryFromBuffer(buffer, out var n)) return n;
        var rented = new byte[Math.Min(buffer.Length, (int)Math.Min(int.MaxValue, _length - _position))];
        var got = ReadAsync(rented.AsMemory(), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        rented.AsSpan(0, got).CopyTo(buffer);
        return got;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TryFromBuffer(buffer.Span, out var n)) return n;
        var remaining = _length - _position;
        if (remaining <= 0 || buffer.Length == 0) return 0;
        var wanted = (int)Math.Min(buffer.Length, remaining);
        if (wanted >= ChunkBytes)
        {
            await FetchAsync(_position, buffer[..wanted], cancellationToken).ConfigureAwait(false);
            _position += wanted;
            return wanted;
        }
        var chunk = (int)Math.Min(ChunkBytes, remaining);
        if (_buffer.Length < chunk) _buffer = new byte[chunk];
        await FetchAsync(_position, _buffer.AsMemory(0, chunk), cancellationToken).ConfigureAwait(false);
        _bufferStart = _position;
        _bufferLength = chunk;
        TryFromBuffer(buffer.Span, out n);
        return n;
    }

    private bool TryFromBuffer(Span<byte> destination, out int n)
    {
        n = 0;
        if (destination.Length == 0 || _position >= _length) return true;
        if (_position < _bufferStart || _position >= _bufferStart + _bufferLength) return false;
        var from = (int)(_position - _bufferStart);
        n = Math.Min(destination.Length, _bufferLength - from);
        _buffer.AsSpan(from, n).CopyTo(destination);
        _position += n;
        return true;
    }

    private async Task FetchAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        RangeReads++;
        await using var range = await _store.OpenReadAsync(_key, offset, destination.Length, cancellationToken).ConfigureAwait(false);
        var got = await range.ReadAtLeastAsync(destination, destination.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        BytesFetched += got;
        if (got < destination.Length)
            throw new InputChangedException($"{_store.DisplayName}/{_key}", $"ended at byte {offset + got}, before the planned length {_length}");
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
