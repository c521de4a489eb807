using System.Text;
using Clustering.Parquet.Encodings;
using Clustering.Parquet.Format;

namespace Clustering.Parquet;

/// <summary>A UTF-8 string column (BYTE_ARRAY, logical type STRING).</summary>
public sealed class ParquetStringColumn : ParquetColumnBuffer
{
    /// <summary>Min/max statistics longer than this are left out (as Arrow does) so footers stay small.</summary>
    internal const int MaxStatisticsBytes = 4096;

    private readonly ByteBuffer _bytes = new(4096); // UTF-8 of every non-null value, back to back
    private int[] _offsets = new int[1024];         // (values + 1) where each value starts in _bytes
    private int _valueCount;

    internal ParquetStringColumn(ParquetColumn column, int index) : base(column, index) { }

    internal ByteArrayDictionary Dictionary { get; } = new();

    /// <summary>Non-null values buffered.</summary>
    internal int ValueCount => _valueCount;

    internal override PhysicalType PhysicalType => PhysicalType.ByteArray;

    internal override long BufferedBytes => _bytes.Length + 4L * _valueCount + RowCount / 8;

    public void Append(string? value)
    {
        if (value is null)
        {
            AppendNull();
            return;
        }
        // Lone surrogates become U+FFFD, as Encoding.UTF8 does everywhere else in .NET.
        var free = _bytes.GetFree(Encoding.UTF8.GetMaxByteCount(value.Length));
        int written = Encoding.UTF8.GetBytes(value, free);
        _bytes.Advance(written);
        AddValue();
    }

    /// <summary>Appends bytes that must already be UTF-8; anything else is refused with the row named.</summary>
    public void AppendUtf8(ReadOnlySpan<byte> utf8)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
        {
            throw new ClusteringException($"Parquet column '{Column.Name}', row {RowsBefore + RowCount}: the value is not valid UTF-8.");
        }
        _bytes.Write(utf8);
        AddValue();
    }

    public void AppendNull()
    {
        if (!Column.Optional) throw NullInRequired();
        AddRow(defined: false);
    }

    public void AppendRange(ReadOnlySpan<string?> values)
    {
        foreach (var value in values) Append(value);
    }

    internal ReadOnlySpan<byte> Value(int index) => _bytes.Span[_offsets[index].._offsets[index + 1]];

    private void AddValue()
    {
        EnsureCapacity(ref _offsets, _valueCount + 2);
        _offsets[++_valueCount] = _bytes.Length;
        AddRow(defined: true);
    }

    internal override int PageEnd(int startRow, int startValue, int targetBytes)
    {
        long bytes = 0;
        int row = startRow;
        int value = startValue;
        while (row < RowCount && (row == startRow || bytes < targetBytes))
        {
            if (IsDefined(row))
            {
                bytes += 4 + _offsets[value + 1] - _offsets[value];
                value++;
            }
            row++;
        }
        return row;
    }

    internal override void WritePlainValues(ByteBuffer output, int startValue, int valueCount)
    {
        for (int i = startValue; i < startValue + valueCount; i++)
        {
            var value = Value(i);
            output.WriteInt32LittleEndian(value.Length);
            output.Write(value);
        }
    }

    /// <summary>Dictionary indices of values [start, start + count), after <see cref="ByteArrayDictionary.TryBuild"/> succeeded.</summary>
    internal void WriteDictionaryIndices(RleBitPackedHybridEncoder encoder, int startValue, int valueCount)
    {
        var indices = Dictionary.Indices;
        for (int i = startValue; i < startValue + valueCount; i++) encoder.Put(indices[i]);
    }

    internal override bool TryWriteMinMax(ByteBuffer min, ByteBuffer max)
    {
        if (_valueCount == 0) return false;
        int minIndex = 0, maxIndex = 0;
        for (int i = 1; i < _valueCount; i++)
        {
            var value = Value(i);
            // Parquet orders BYTE_ARRAY STRING as unsigned bytes, which is also code point order for UTF-8.
            if (value.SequenceCompareTo(Value(minIndex)) < 0) minIndex = i;
            if (value.SequenceCompareTo(Value(maxIndex)) > 0) maxIndex = i;
        }
        if (Value(minIndex).Length > MaxStatisticsBytes || Value(maxIndex).Length > MaxStatisticsBytes) return false;
        min.Write(Value(minIndex));
        max.Write(Value(maxIndex));
        return true;
    }

    internal override void Reset()
    {
        base.Reset();
        _bytes.Clear();
        _valueCount = 0;
        _offsets[0] = 0;
    }
}
