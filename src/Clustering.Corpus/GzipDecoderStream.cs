using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Clustering.Corpus.Native;
using Clustering.Storage;

namespace Clustering.Corpus;

/// <summary>
/// Decompresses a gzip stream (one member or several concatenated, as <c>cat a.gz b.gz</c> or bgzip make), and throws
/// <see cref="InvalidDataException"/> when the data is corrupt or ends before the last member is complete: the case
/// <see cref="System.IO.Compression.GZipStream"/> hides. Read-only, forward-only; owns the inner stream.
/// </summary>
internal sealed class GzipDecoderStream : ReadOnlyStreamBase
{
    private const int InputBufferBytes = 1 << 16;

    private readonly Stream _inner;
    private readonly InflateHandle _inflate = new();
    // Pinned for the stream's life: zlib holds next_in between calls.
    private readonly byte[] _input = GC.AllocateUninitializedArray<byte>(InputBufferBytes, pinned: true);
    private bool _innerEnded;
    private bool _betweenMembers;
    private bool _ended;

    public GzipDecoderStream(Stream inner) => _inner = inner;

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            var produced = Inflate(buffer);
            if (produced >= 0) return produced;
            Accept(_inner.Read(_input));
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var produced = Inflate(buffer.Span);
            if (produced >= 0) return produced;
            Accept(await _inner.ReadAsync(_input, cancellationToken).ConfigureAwait(false));
        }
    }

    private unsafe void Accept(int read)
    {
        var z = _inflate.Stream;
        if (read == 0)
        {
            _innerEnded = true;
            return;
        }
        z->NextIn = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_input));
        z->AvailIn = (uint)read;
    }

    /// <summary>Bytes written to <paramref name="buffer"/> (0: the end), or -1 when more input is needed first.</summary>
    private unsafe int Inflate(Span<byte> buffer)
    {
        if (_ended || buffer.IsEmpty) return 0;
        var z = _inflate.Stream;
        if (_betweenMembers)
        {
            if (z->AvailIn == 0)
            {
                if (!_innerEnded) return -1;
                _ended = true;
                return 0;
            }
            Zlib.InflateReset(z);
            _betweenMembers = false;
        }
        var produced = 0;
        while (true)
        {
            if (z->AvailIn == 0 && !_innerEnded) return produced > 0 ? produced : -1;
            int code;
            fixed (byte* output = buffer)
            {
                z->NextOut = output + produced;
                z->AvailOut = (uint)(buffer.Length - produced);
                code = Zlib.Inflate(z, Zlib.NoFlush);
                produced = buffer.Length - (int)z->AvailOut;
            }
            switch (code)
            {
                case Zlib.StreamEnd:
                    _betweenMembers = true;
                    if (produced > 0) return produced;
                    return Inflate(buffer);
                case Zlib.Ok or Zlib.BufError:
                    if (produced == buffer.Length) return produced;
                    if (z->AvailIn == 0 && _innerEnded)
                    {
                        if (produced > 0) return produced; // hand over what we have; the next call reports the end
                        throw new InvalidDataException("gzip stream ends early (truncated file)");
                    }
                    break;
                default:
                    throw new InvalidDataException($"corrupt gzip data: {Zlib.MessageOf(z, code)}");
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inflate.Dispose();
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
