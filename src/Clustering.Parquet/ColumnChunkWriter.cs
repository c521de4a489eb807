using Clustering.Parquet.Compression;
using Clustering.Parquet.Encodings;
using Clustering.Parquet.Format;
using Clustering.Parquet.Thrift;

namespace Clustering.Parquet;

/// <summary>
/// Turns one buffered column of a row group into a column chunk: an optional dictionary page, then data
/// pages (v1 or v2) cut at row boundaries by size. Owns the page buffers, reused for every page and chunk.
/// </summary>
internal sealed class ColumnChunkWriter(ParquetWriteOptions options, IPageCompressor compressor)
{
    private readonly ByteBuffer _levels = new(4096);   // v2: repetition then definition levels
    private readonly ByteBuffer _body = new(1 << 16);  // uncompressed page body (v1: levels + values; v2: values)
    private readonly ByteBuffer _compressed = new(1 << 16);
    private readonly ByteBuffer _header = new(256);
    private readonly ByteBuffer _min = new(64);
    private readonly ByteBuffer _max = new(64);
    private readonly RleBitPackedHybridEncoder _rle = new();

    public ColumnChunkMetadata Write(ParquetColumnBuffer column, ParquetOutput output)
    {
        var chunk = new ColumnChunkMetadata
        {
            Column = column,
            Codec = compressor.Codec,
            ChunkOffset = output.Position,
            NumValues = column.LevelCount(0, column.RowCount),
            HasLevels = column.MaxDefinitionLevel > 0 || column.MaxRepetitionLevel > 0,
            NullCount = column.NullCount,
        };

        int dictionaryBitWidth = 0;
        if (column is ParquetStringColumn strings && ChooseDictionary(strings))
        {
            chunk.UsesDictionary = true;
            chunk.DictionaryPageOffset = output.Position;
            WriteDictionaryPage(strings, chunk, output);
            dictionaryBitWidth = Math.Max(1, BitPacking.BitWidth(strings.Dictionary.Count - 1));
        }

        int row = 0, value = 0;
        while (row < column.RowCount)
        {
            int end = column.PageEnd(row, value, options.PageTargetBytes);
            int defined = column.DefinedCount(row, end);
            if (chunk.DataPageOffset < 0) chunk.DataPageOffset = output.Position;
            WriteDataPage(column, chunk, output, row, end, value, defined, dictionaryBitWidth);
            row = end;
            value += defined;
        }

        _min.Clear();
        _max.Clear();
        if (column.TryWriteMinMax(_min, _max))
        {
            chunk.Min = _min.Span.ToArray();
            chunk.Max = _max.Span.ToArray();
        }
        return chunk;
    }

    /// <summary>Dictionary encoding pays when the distinct values plus the packed indices are smaller than PLAIN.</summary>
    private bool ChooseDictionary(ParquetStringColumn column)
    {
        if (!options.DictionaryForStrings || column.ValueCount == 0) return false;
        var dictionary = column.Dictionary;
        if (!dictionary.TryBuild(column, options.DictionaryMaxBytes)) return false;
        int bitWidth = Math.Max(1, BitPacking.BitWidth(dictionary.Count - 1));
        long dictionaryBytes = dictionary.PlainBytes + ((long)column.ValueCount * bitWidth + 7) / 8;
        long plainBytes = column.BufferedBytes - column.RowCount / 8;
        return dictionaryBytes < plainBytes;
    }

    private void WriteDictionaryPage(ParquetStringColumn column, ColumnChunkMetadata chunk, ParquetOutput output)
    {
        var dictionary = column.Dictionary;
        _body.Clear();
        for (int entry = 0; entry < dictionary.Count; entry++)
        {
            var bytes = column.Value(dictionary.EntryValue(entry));
            _body.WriteInt32LittleEndian(bytes.Length);
            _body.Write(bytes);
        }
        _compressed.Clear();
        compressor.Compress(_body.Span, _compressed);
        _header.Clear();
        PageHeaders.WriteDictionaryPage(new ThriftCompactWriter(_header), _body.Length, _compressed.Length, dictionary.Count);
        Emit(chunk, output, _body.Length, _compressed.Span);
    }

    private void WriteDataPage(ParquetColumnBuffer column, ColumnChunkMetadata chunk, ParquetOutput output,
        int startRow, int endRow, int startValue, int valueCount, int dictionaryBitWidth)
    {
        int levelCount = checked((int)column.LevelCount(startRow, endRow));
        var encoding = dictionaryBitWidth > 0 ? PageEncoding.RleDictionary : PageEncoding.Plain;
        if (options.PageVersion == ParquetPageVersion.V1)
        {
            // v1: [rep levels: i32 length + RLE][def levels: i32 length + RLE][values], compressed together.
            _body.Clear();
            if (column.MaxRepetitionLevel > 0) WriteLengthPrefixedLevels(column, startRow, endRow, repetition: true);
            if (column.MaxDefinitionLevel > 0) WriteLengthPrefixedLevels(column, startRow, endRow, repetition: false);
            WriteValues(column, startValue, valueCount, dictionaryBitWidth);
            _compressed.Clear();
            compressor.Compress(_body.Span, _compressed);
            _header.Clear();
            PageHeaders.WriteDataPageV1(new ThriftCompactWriter(_header), _body.Length, _compressed.Length, levelCount, encoding);
            Emit(chunk, output, _body.Length, _compressed.Span);
        }
        else
        {
            // v2: levels stay uncompressed in front (lengths in the header); only the values are compressed.
            _levels.Clear();
            int repetitionLength = 0, definitionLength = 0;
            if (column.MaxRepetitionLevel > 0)
            {
                _rle.Begin(_levels, 1);
                column.WriteRepetitionLevels(_rle, startRow, endRow);
                _rle.End();
                repetitionLength = _levels.Length;
            }
            if (column.MaxDefinitionLevel > 0)
            {
                _rle.Begin(_levels, 1);
                column.WriteDefinitionLevels(_rle, startRow, endRow);
                _rle.End();
                definitionLength = _levels.Length - repetitionLength;
            }
            _body.Clear();
            WriteValues(column, startValue, valueCount, dictionaryBitWidth);
            _compressed.Clear();
            _compressed.Write(_levels.Span);
            // An empty values section (a page of nulls) is stored as is: some readers do not expect a compressed empty stream.
            bool compressValues = compressor.Codec != CompressionCodec.None && _body.Length > 0;
            if (compressValues) compressor.Compress(_body.Span, _compressed);
            else _compressed.Write(_body.Span);
            _header.Clear();
            PageHeaders.WriteDataPageV2(new ThriftCompactWriter(_header), _levels.Length + _body.Length, _compressed.Length,
                levelCount, numNulls: endRow - startRow - valueCount, numRows: endRow - startRow, encoding,
                definitionLength, repetitionLength, compressValues);
            Emit(chunk, output, _levels.Length + _body.Length, _compressed.Span);
        }
    }

    private void WriteLengthPrefixedLevels(ParquetColumnBuffer column, int startRow, int endRow, bool repetition)
    {
        int lengthPosition = _body.Length;
        _body.Append(4);
        _rle.Begin(_body, 1); // max level 1 everywhere in our schemas
        if (repetition) column.WriteRepetitionLevels(_rle, startRow, endRow);
        else column.WriteDefinitionLevels(_rle, startRow, endRow);
        _rle.End();
        _body.SetInt32LittleEndian(lengthPosition, _body.Length - lengthPosition - 4);
    }

    private void WriteValues(ParquetColumnBuffer column, int startValue, int valueCount, int dictionaryBitWidth)
    {
        if (dictionaryBitWidth > 0)
        {
            _body.WriteByte((byte)dictionaryBitWidth);
            _rle.Begin(_body, dictionaryBitWidth);
            ((ParquetStringColumn)column).WriteDictionaryIndices(_rle, startValue, valueCount);
            _rle.End();
        }
        else
        {
            column.WritePlainValues(_body, startValue, valueCount);
        }
    }

    private void Emit(ColumnChunkMetadata chunk, ParquetOutput output, int uncompressedSize, ReadOnlySpan<byte> page)
    {
        output.Write(_header.Span);
        output.Write(page);
        chunk.TotalUncompressedSize += _header.Length + uncompressedSize;
        chunk.TotalCompressedSize += _header.Length + page.Length;
    }
}
