namespace Clustering.Parquet;

/// <summary>Page codecs; the values are parquet.thrift's CompressionCodec numbers.</summary>
public enum ParquetCompression
{
    Uncompressed = 0,
    Snappy = 1,
    Gzip = 2,
    Zstd = 6,
}
