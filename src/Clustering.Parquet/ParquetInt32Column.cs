using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Clustering.Parquet.Format;

namespace Clustering.Parquet;

/// <summary>A 32-bit signed integer column (INT32).</summary>
public sealed class ParquetInt32Column : ParquetColumnBuffer
{
    private int[] _values = new int[1024]; // (non-null values)
    private int _valueCount;

    internal ParquetInt32Column(ParquetColumn column, int index) : base(column, index) { }

    internal override PhysicalType PhysicalType => PhysicalType.Int32;

    internal override long BufferedBytes => 4L * _valueCount + RowCount / 8;

    public void Append(int value)
    {
        EnsureCapacity(ref _values, _valueCount + 1);
        _values[_valueCount++] = value;
        AddRow(defined: true);
    }

    public void Append(int? value)
    {
        if (value is { } v) Append(v);
        else AppendNull();
    }

    public void AppendNull()
    {
        if (!Column.Optional) throw NullInRequired();
        AddRow(defined: false);
    }

    public void AppendRange(ReadOnlySpan<int> values)
    {
        foreach (var value in values) Append(value);
    }

    internal override int PageEnd(int startRow, int startValue, int targetBytes) =>
        (int)Math.Min(RowCount, startRow + Math.Max(1, targetBytes / 4));

    internal override void WritePlainValues(ByteBuffer output, int startValue, int valueCount)
    {
        // PLAIN INT32 is little-endian, as this machine is (checked when the writer is created).
        MemoryMarshal.AsBytes(_values.AsSpan(startValue, valueCount)).CopyTo(output.Append(4 * valueCount));
    }

    internal override bool TryWriteMinMax(ByteBuffer min, ByteBuffer max)
    {
        if (_valueCount == 0) return false;
        int lo = int.MaxValue, hi = int.MinValue;
        foreach (var v in _values.AsSpan(0, _valueCount))
        {
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }
        BinaryPrimitives.WriteInt32LittleEndian(min.Append(4), lo);
        BinaryPrimitives.WriteInt32LittleEndian(max.Append(4), hi);
        return true;
    }

    internal override void Reset()
    {
        base.Reset();
        _valueCount = 0;
    }
}
