using Clustering.Parquet.Format;

namespace Clustering.Parquet;

/// <summary>A boolean column (BOOLEAN; PLAIN packs 8 values per byte).</summary>
public sealed class ParquetBooleanColumn : ParquetColumnBuffer
{
    private bool[] _values = new bool[1024]; // (non-null values)
    private int _valueCount;
    private int _trueCount;

    internal ParquetBooleanColumn(ParquetColumn column, int index) : base(column, index) { }

    internal override PhysicalType PhysicalType => PhysicalType.Boolean;

    internal override long BufferedBytes => (_valueCount + 7) / 8 + RowCount / 8;

    public void Append(bool value)
    {
        EnsureCapacity(ref _values, _valueCount + 1);
        _values[_valueCount++] = value;
        if (value) _trueCount++;
        AddRow(defined: true);
    }

    public void Append(bool? value)
    {
        if (value is { } v) Append(v);
        else AppendNull();
    }

    public void AppendNull()
    {
        if (!Column.Optional) throw NullInRequired();
        AddRow(defined: false);
    }

    public void AppendRange(ReadOnlySpan<bool> values)
    {
        foreach (var value in values) Append(value);
    }

    internal override int PageEnd(int startRow, int startValue, int targetBytes) =>
        (int)Math.Min(RowCount, startRow + Math.Max(8L, 8L * targetBytes));

    internal override void WritePlainValues(ByteBuffer output, int startValue, int valueCount)
    {
        // PLAIN BOOLEAN is bit-packed, LSB first, without a run header.
        var bytes = output.Append((valueCount + 7) / 8);
        bytes.Clear();
        for (int i = 0; i < valueCount; i++)
        {
            if (_values[startValue + i]) bytes[i >> 3] |= (byte)(1 << (i & 7));
        }
    }

    internal override bool TryWriteMinMax(ByteBuffer min, ByteBuffer max)
    {
        if (_valueCount == 0) return false;
        min.WriteByte(_trueCount == _valueCount ? (byte)1 : (byte)0);
        max.WriteByte(_trueCount > 0 ? (byte)1 : (byte)0);
        return true;
    }

    internal override void Reset()
    {
        base.Reset();
        _valueCount = 0;
        _trueCount = 0;
    }
}
