namespace Clustering.Parquet.Compression;

/// <summary>Compresses one page body. Implementations keep their state between pages and are not thread-safe.</summary>
internal interface IPageCompressor : IDisposable
{
    CompressionCodec Codec { get; }

    /// <summary>Appends the compressed form of <paramref name="source"/> to <paramref name="destination"/>.</summary>
    void Compress(ReadOnlySpan<byte> source, ByteBuffer destination);

    void IDisposable.Dispose() { }
}
