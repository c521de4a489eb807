using System.IO.Compression;

namespace Clustering.Parquet.Compression;

/// <summary>GZIP pages are RFC 1952 gzip members (parquet-format Compression.md), which GZipStream writes.</summary>
internal sealed class GzipCompressor(CompressionLevel level) : IPageCompressor
{
    public CompressionCodec Codec => CompressionCodec.Gzip;

    public void Compress(ReadOnlySpan<byte> source, ByteBuffer destination)
    {
        // One GZipStream per page: it cannot be reset, and a page is large enough that this does not show.
        using var gzip = new GZipStream(new ByteBufferStream(destination), level, leaveOpen: false);
        gzip.Write(source);
    }
}
