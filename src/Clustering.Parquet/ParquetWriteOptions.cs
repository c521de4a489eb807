namespace Clustering.Parquet;

/// <summary>How a <see cref="ParquetFileWriter"/> lays out and compresses a file.</summary>
public sealed record ParquetWriteOptions
{
    public CompressionCodec Compression { get; init; } = CompressionCodec.Zstd;

    public ParquetPageVersion PageVersion { get; init; } = ParquetPageVersion.V1;

    /// <summary>
    /// A row group is cut once its buffered (uncompressed) data reaches this size. The writer holds one row
    /// group in memory, so this bounds its memory too. 64 MiB is 16k rows of 1024-dim vectors.
    /// </summary>
    public long RowGroupTargetBytes { get; init; } = 64L << 20;

    /// <summary>A page is cut once its uncompressed values reach this size (pages always end on a row).</summary>
    public int PageTargetBytes { get; init; } = 1 << 20;

    /// <summary>Dictionary-encode string columns in the row groups where that makes them smaller.</summary>
    public bool DictionaryForStrings { get; init; } = true;

    /// <summary>
    /// A dictionary that grows past this many bytes of distinct values is abandoned for that column chunk
    /// and the chunk is written PLAIN (the usual 1 MiB of parquet-mr and Arrow).
    /// </summary>
    public int DictionaryMaxBytes { get; init; } = 1 << 20;

    /// <summary>Compression level for ZSTD (1..19; 3 is libzstd's default) and GZIP (see <see cref="GzipLevel"/>).</summary>
    public int ZstdLevel { get; init; } = 3;

    public System.IO.Compression.CompressionLevel GzipLevel { get; init; } = System.IO.Compression.CompressionLevel.Optimal;

    /// <summary>File-level key-value metadata, written in this order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> KeyValueMetadata { get; init; } = [];

    /// <summary>The footer's created_by; readers use it to work around known writer bugs, so it names us and our version.</summary>
    public string CreatedBy { get; init; } = DefaultCreatedBy;

    public static readonly string DefaultCreatedBy =
        $"Clustering.Parquet version {typeof(ParquetWriteOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"}";

    internal void Validate()
    {
        if (!Enum.IsDefined(Compression)) throw new ClusteringException($"Parquet options: unknown compression {(int)Compression}.");
        if (!Enum.IsDefined(PageVersion)) throw new ClusteringException($"Parquet options: unknown page version {(int)PageVersion}.");
        if (RowGroupTargetBytes < 1) throw new ClusteringException($"Parquet options: RowGroupTargetBytes must be positive, got {RowGroupTargetBytes}.");
        if (PageTargetBytes < 1) throw new ClusteringException($"Parquet options: PageTargetBytes must be positive, got {PageTargetBytes}.");
        if (DictionaryMaxBytes < 1) throw new ClusteringException($"Parquet options: DictionaryMaxBytes must be positive, got {DictionaryMaxBytes}.");
        if (ZstdLevel is < 1 or > 22) throw new ClusteringException($"Parquet options: ZstdLevel must be in 1..22, got {ZstdLevel}.");
        foreach (var (key, _) in KeyValueMetadata)
        {
            if (string.IsNullOrEmpty(key)) throw new ClusteringException("Parquet options: a key-value metadata key is empty.");
        }
    }
}
