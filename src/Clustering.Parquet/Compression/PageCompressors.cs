namespace Clustering.Parquet.Compression;

internal static class PageCompressors
{
    public static IPageCompressor Create(ParquetWriteOptions options) => options.Compression switch
    {
        ParquetCompression.Uncompressed => new UncompressedCompressor(),
        ParquetCompression.Snappy => new SnappyCompressor(),
        ParquetCompression.Gzip => new GzipCompressor(options.GzipLevel),
        ParquetCompression.Zstd => new ZstdCompressor(options.ZstdLevel),
        _ => throw new ClusteringException($"Parquet options: unknown compression {(int)options.Compression}."),
    };
}
