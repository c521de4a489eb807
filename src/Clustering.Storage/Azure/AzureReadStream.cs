namespace Clustering.Storage.Azure;

/// <summary>
/// The body of a Get Blob as a forward-only stream that survives a lost connection: when a read fails or stalls
/// for longer than one attempt's timeout, it asks again for the rest of the range, pinned to the ETag it started
/// with (If-Match), so the bytes it returns always belong to one version of the object. Owns the response.
/// </summary>
internal sealed class AzureReadStream : Stream
{
    private readonly AzureBlobStore _store;
    private readonly string _key;
    private readonly long _start;
    private readonly long _length;
    private readonly string _etag;
    private HttpResponseMessage _response;
    private Stream _body;
    private long _position;

    public AzureReadStream(AzureBlobStore store, string key, long start, long length, string etag, HttpResponseMessage response, Stream body)
    {
        _store = store;
        _key = key;
        _start = start;
        _length = length;
        _etag = etag;
        _response = response;
        _body = body;
    }

    public string ETag => _etag;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        // Synchronous callers get the same resuming read; the copy keeps the span off the async path.
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length, 1 << 20));
        try
        {
            var n = ReadAsync(rented.AsMemory(0, Math.Min(buffer.Length, rented.Length)), CancellationToken.None).AsTask().GetAwaiter().GetResult();
            rented.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var remaining = _length - _position;
        if (remaining <= 0 || buffer.Length == 0) return 0;
        var window = buffer[..(int)Math.Min(buffer.Length, remaining)];
        var retry = _store.Client.Options.Retry;
        for (var resumes = 0; ; resumes++)
        {
            Exception failure;
            using (var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                stall.CancelAfter(retry.AttemptTimeout);
                try
                {
                    var n = await _body.ReadAsync(window, stall.Token).ConfigureAwait(false);
                    if (n > 0)
                    {
                        _position += n;
                        return n;
                    }
                    failure = new IOException($"the response ended {remaining} bytes early");
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = new TimeoutException($"no data for {retry.AttemptTimeout.TotalSeconds:0.#} s", e);
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    failure = e;
                }
            }
            if (resumes + 1 >= retry.MaxAttempts)
                throw new AzureStorageException(_store.Client.Scrub(
                    $"Azure Blob Storage read of '{_store.Container}/{_key}' in account '{_store.Client.Account.Name}' failed at byte {_start + _position} " +
                    $"after {resumes + 1} attempts: {failure.GetBaseException().Message}"), null, null);
            _store.Client.Emit(BlobStoreEventLevel.Warning, new AzureRequest(HttpMethod.Get, _store.Container, _key, $"reading '{_store.Container}/{_key}'"),
                $"resuming the read of '{_store.Container}/{_key}' at byte {_start + _position} after: {failure.GetBaseException().Message}", resumes + 1, null, null);
            _response.Dispose();
            (_response, _body) = await _store.OpenRangeResponseAsync(_key, _start + _position, remaining, _etag, cancellationToken).ConfigureAwait(false);
        }
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _response.Dispose();
        base.Dispose(disposing);
    }
}
