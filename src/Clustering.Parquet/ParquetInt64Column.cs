using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Clustering.Parquet.Format;

namespace Clustering.Parquet;

/// <summary>A 64-bit signed integer column (INT64), for kept input fields that are integers.</summary>
public sealed class ParquetInt64Column : ParquetColumnBuffer
{
    private long[] _values = new long[1024]; // (non-null values)
    private int _valueCount;

    internal ParquetInt64Column(ParquetColumn column, int index) : base(column, index) { }

    internal override PhysicalType PhysicalType => PhysicalType.Int64;

    internal override long BufferedBytes => 8L * _valueCount + RowCount / 8;

    public void Append(long value)
    {
        EnsureCapacity(ref _values, _valueCount + 1);
        _values[_valueCount++] = value;
        AddRow(defined: true);
    }

    public void AppendNull()
    {
        if (!Column.Optional) throw NullInRequired();
        AddRow(defined: false);
    }

    internal override int PageEnd(int startRow, int startValue, int targetBytes) =>
        (int)Math.Min(RowCount, startRow + Math.Max(1, targetBytes / 8));

    internal override void WritePlainValues(ByteBuffer output, int startValue, int valueCount)
    {
        // PLAIN INT64 is little-endian, as this machine is (checked when the writer is created).
        MemoryMarshal.AsBytes(_values.AsSpan(startValue, valueCount)).CopyTo(output.Append(8 * valueCount));
    }

    internal override bool TryWriteMinMax(ByteBuffer min, ByteBuffer max)
    {
        if (_valueCount == 0) return false;
        long lo = long.MaxValue, hi = long.MinValue;
        foreach (var v in _values.AsSpan(0, _valueCount))
        {
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }
        BinaryPrimitives.WriteInt64LittleEndian(min.Append(8), lo);
        BinaryPrimitives.WriteInt64LittleEndian(max.Append(8), hi);
        return true;
    }

    internal override void Reset()
    {
        base.Reset();
        _valueCount = 0;
    }
}
