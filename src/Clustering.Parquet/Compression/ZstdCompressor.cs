using Clustering.Parquet.Native;

namespace Clustering.Parquet.Compression;

/// <summary>ZSTD pages are single zstd frames (RFC 8878), compressed by libzstd with one reused context.</summary>
internal sealed class ZstdCompressor : IPageCompressor
{
    private readonly ZstdContext _context;
    private readonly int _level;

    public ZstdCompressor(int level)
    {
        LibZstd.EnsureAvailable();
        _context = ZstdContext.Create();
        _level = level;
    }

    public CompressionCodec Codec => CompressionCodec.Zstd;

    public void Compress(ReadOnlySpan<byte> source, ByteBuffer destination)
    {
        int bound = checked((int)LibZstd.CompressBound((nuint)source.Length));
        var free = destination.GetFree(bound);
        int written = _context.Compress(free[..bound], source, _level);
        destination.Advance(written);
    }

    public void Dispose() => _context.Dispose();
}
