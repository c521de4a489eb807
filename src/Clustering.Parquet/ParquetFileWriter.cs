using Clustering.Parquet.Arrow;
using Clustering.Parquet.Compression;
using Clustering.Parquet.Format;
using Clustering.Parquet.Thrift;

namespace Clustering.Parquet;

/// <summary>
/// Writes one Parquet file to a stream, row group by row group. Append a batch of rows to every column
/// (<see cref="Strings(int)"/>, <see cref="Int32s(int)"/>, ...), then call <see cref="EndBatch"/>; once the
/// buffered row group reaches <see cref="ParquetWriteOptions.RowGroupTargetBytes"/> it is encoded and written.
/// <see cref="Complete"/> writes the last row group and the footer. The stream is not closed or disposed,
/// and need not be seekable. Not thread-safe: one owner appends.
/// </summary>
public sealed class ParquetFileWriter : IDisposable
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();

    private readonly ParquetOutput _output;
    private readonly ParquetWriteOptions _options;
    private readonly ParquetColumnBuffer[] _columns;
    private readonly IPageCompressor _compressor;
    private readonly ColumnChunkWriter _chunkWriter;
    private readonly List<RowGroupMetadata> _rowGroups = [];
    private readonly IReadOnlyList<KeyValuePair<string, string>> _keyValues;
    private long _rowsWritten;
    private bool _completed;
    private bool _failed;

    public ParquetFileWriter(Stream output, ParquetSchema schema, ParquetWriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(options);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("The Parquet writer copies little-endian values as they are in memory.");
        if (!output.CanWrite) throw new ClusteringException("Parquet output: the stream is not writable.");
        options.Validate();

        Schema = schema;
        _options = options;
        _compressor = PageCompressors.Create(options); // before any byte is written: a missing libzstd fails here
        _chunkWriter = new ColumnChunkWriter(options, _compressor);
        _columns = new ParquetColumnBuffer[schema.Columns.Count];
        for (int i = 0; i < _columns.Length; i++)
        {
            var column = schema.Columns[i];
            _columns[i] = column.Type switch
            {
                ParquetColumnType.String => new ParquetStringColumn(column, i),
                ParquetColumnType.Int32 => new ParquetInt32Column(column, i),
                ParquetColumnType.Boolean => new ParquetBooleanColumn(column, i),
                ParquetColumnType.Int64 => new ParquetInt64Column(column, i),
                ParquetColumnType.Double => new ParquetDoubleColumn(column, i),
                ParquetColumnType.FloatVector => new ParquetFloatVectorColumn(column, i),
                _ => throw new ClusteringException($"Parquet schema: column '{column.Name}' has unknown type {(int)column.Type}."),
            };
        }
        _keyValues = WithArrowSchema(schema, options.KeyValueMetadata);
        _output = new ParquetOutput(output);
        _output.Write(Magic);
    }

    public ParquetSchema Schema { get; }

    /// <summary>Rows in row groups already written.</summary>
    public long RowsWritten => _rowsWritten;

    /// <summary>Bytes written to the stream so far.</summary>
    public long BytesWritten => _output.Position;

    /// <summary>Rows appended since the last row group was written (as of the last <see cref="EndBatch"/>).</summary>
    public int BufferedRows => _columns[0].RowCount;

    public ParquetColumnBuffer Column(int index) => _columns[index];

    public ParquetStringColumn Strings(int index) => Typed<ParquetStringColumn>(index);
    public ParquetInt32Column Int32s(int index) => Typed<ParquetInt32Column>(index);
    public ParquetBooleanColumn Booleans(int index) => Typed<ParquetBooleanColumn>(index);
    public ParquetInt64Column Int64s(int index) => Typed<ParquetInt64Column>(index);
    public ParquetDoubleColumn Doubles(int index) => Typed<ParquetDoubleColumn>(index);
    public ParquetFloatVectorColumn FloatVectors(int index) => Typed<ParquetFloatVectorColumn>(index);

    public ParquetStringColumn Strings(string name) => Strings(IndexOf(name));
    public ParquetInt32Column Int32s(string name) => Int32s(IndexOf(name));
    public ParquetBooleanColumn Booleans(string name) => Booleans(IndexOf(name));
    public ParquetFloatVectorColumn FloatVectors(string name) => FloatVectors(IndexOf(name));

    /// <summary>
    /// Ends a batch of rows: every column must have received the same number of rows. Writes the row group
    /// when it has reached its target size.
    /// </summary>
    public void EndBatch()
    {
        EnsureWritable();
        CheckAligned();
        long buffered = 0;
        foreach (var column in _columns) buffered += column.BufferedBytes;
        if (buffered >= _options.RowGroupTargetBytes) WriteRowGroup();
    }

    /// <summary>Writes the buffered rows as a row group now (no-op when none are buffered).</summary>
    public void FlushRowGroup()
    {
        EnsureWritable();
        CheckAligned();
        WriteRowGroup();
    }

    /// <summary>Writes the last row group and the footer, and flushes the stream. A file of 0 rows is valid.</summary>
    public ParquetWriteResult Complete()
    {
        EnsureWritable();
        CheckAligned();
        try
        {
            WriteRowGroup();
            var footer = new ByteBuffer(4096);
            FooterWriter.Write(new ThriftCompactWriter(footer), Schema, _rowGroups, _keyValues, _options.CreatedBy, _options.PageVersion);
            _output.Write(footer.Span);
            Span<byte> tail = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(tail, footer.Length);
            Magic.CopyTo(tail[4..]);
            _output.Write(tail);
            _output.Flush();
        }
        catch
        {
            _failed = true;
            throw;
        }
        _completed = true;
        return new ParquetWriteResult(_rowsWritten, _output.Position, _rowGroups.Count);
    }

    public void Dispose() => _compressor.Dispose();

    private void WriteRowGroup()
    {
        int rows = _columns[0].RowCount;
        if (rows == 0) return;
        try
        {
            var chunks = new ColumnChunkMetadata[_columns.Length];
            for (int i = 0; i < _columns.Length; i++) chunks[i] = _chunkWriter.Write(_columns[i], _output);
            _rowGroups.Add(new RowGroupMetadata { Columns = chunks, NumRows = rows });
            foreach (var column in _columns) column.Reset();
            _rowsWritten += rows;
        }
        catch
        {
            _failed = true; // part of a row group may be in the stream: the file cannot be finished
            throw;
        }
    }

    private void CheckAligned()
    {
        int rows = _columns[0].RowCount;
        foreach (var column in _columns)
        {
            if (column.RowCount != rows)
            {
                throw new ClusteringException(
                    $"Parquet batch: column '{column.Column.Name}' has {column.RowCount} rows but column '{_columns[0].Column.Name}' has {rows}; " +
                    "append the same rows to every column before EndBatch.");
            }
        }
    }

    private void EnsureWritable()
    {
        if (_completed) throw new InvalidOperationException("The Parquet file is already complete.");
        if (_failed) throw new InvalidOperationException("An earlier write failed; the Parquet file cannot be finished.");
    }

    private T Typed<T>(int index) where T : ParquetColumnBuffer
    {
        if ((uint)index >= (uint)_columns.Length) throw new ArgumentOutOfRangeException(nameof(index), $"The schema has {_columns.Length} columns.");
        return _columns[index] as T ?? throw new InvalidOperationException(
            $"Parquet column '{_columns[index].Column.Name}' is {_columns[index].Column.Type}, not {typeof(T).Name}.");
    }

    private int IndexOf(string name)
    {
        int index = Schema.IndexOf(name);
        return index >= 0 ? index : throw new ArgumentException($"The schema has no column '{name}'.", nameof(name));
    }

    /// <summary>Adds the ARROW:schema entry when a column is a fixed-size vector (see <see cref="VectorType.Fixed"/>).</summary>
    private static IReadOnlyList<KeyValuePair<string, string>> WithArrowSchema(ParquetSchema schema, IReadOnlyList<KeyValuePair<string, string>> keyValues)
    {
        bool fixedVectors = schema.Columns.Any(c => c.Type == ParquetColumnType.FloatVector && c.VectorType == VectorType.Fixed);
        if (!fixedVectors || keyValues.Any(kv => kv.Key == ArrowSchemaMessage.MetadataKey)) return keyValues;
        return [.. keyValues, new(ArrowSchemaMessage.MetadataKey, ArrowSchemaMessage.Base64(schema))];
    }
}

/// <summary>What a finished file holds.</summary>
public readonly record struct ParquetWriteResult(long Rows, long Bytes, int RowGroups);
