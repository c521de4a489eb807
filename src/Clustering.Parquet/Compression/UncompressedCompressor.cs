namespace Clustering.Parquet.Compression;

internal sealed class UncompressedCompressor : IPageCompressor
{
    public CompressionCodec Codec => CompressionCodec.None;

    public void Compress(ReadOnlySpan<byte> source, ByteBuffer destination) => destination.Write(source);
}
