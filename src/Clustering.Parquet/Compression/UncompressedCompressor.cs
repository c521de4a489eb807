namespace Clustering.Parquet.Compression;

internal sealed class UncompressedCompressor : IPageCompressor
{
    public ParquetCompression Codec => ParquetCompression.Uncompressed;

    public void Compress(ReadOnlySpan<byte> source, ByteBuffer destination) => destination.Write(source);
}
