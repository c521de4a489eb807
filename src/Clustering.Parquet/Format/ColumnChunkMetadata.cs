namespace Clustering.Parquet.Format;

/// <summary>What the footer records about one column chunk (parquet.thrift ColumnMetaData).</summary>
internal sealed class ColumnChunkMetadata
{
    public required ParquetColumnBuffer Column { get; init; }
    public required CompressionCodec Codec { get; init; }
    public long ChunkOffset { get; set; }
    public long NumValues { get; set; }
    public long TotalUncompressedSize { get; set; }
    public long TotalCompressedSize { get; set; }
    public long DataPageOffset { get; set; } = -1;
    public long? DictionaryPageOffset { get; set; }
    public bool UsesDictionary { get; set; }
    public bool HasLevels { get; set; }
    public long NullCount { get; set; }
    public byte[]? Min { get; set; }
    public byte[]? Max { get; set; }
}

/// <summary>What the footer records about one row group (parquet.thrift RowGroup).</summary>
internal sealed class RowGroupMetadata
{
    public required ColumnChunkMetadata[] Columns { get; init; }
    public required long NumRows { get; init; }
    public long FileOffset => Columns[0].ChunkOffset;
    public long TotalByteSize => Columns.Sum(c => c.TotalUncompressedSize);
    public long TotalCompressedSize => Columns.Sum(c => c.TotalCompressedSize);
}
