namespace Clustering.Parquet.Compression;

internal static class PageCompressors
{
    public static IPageCompressor Create(ParquetWriteOptions options) => options.Compression switch
    {
        CompressionCodec.None => new UncompressedCompressor(),
        CompressionCodec.Snappy => new SnappyCompressor(),
        CompressionCodec.Gzip => new GzipCompressor(options.GzipLevel),
        CompressionCodec.Zstd => new ZstdCompressor(options.ZstdLevel),
        _ => throw new ClusteringException($"Parquet options: unknown compression {(int)options.Compression}."),
    };
}
