using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Clustering.Parquet.Format;

namespace Clustering.Parquet;

/// <summary>A 64-bit floating point column (DOUBLE), for kept input fields that are floating point numbers.</summary>
public sealed class ParquetDoubleColumn : ParquetColumnBuffer
{
    private double[] _values = new double[1024]; // (non-null values)
    private int _valueCount;

    internal ParquetDoubleColumn(ParquetColumn column, int index) : base(column, index) { }

    internal override PhysicalType PhysicalType => PhysicalType.Double;

    internal override long BufferedBytes => 8L * _valueCount + RowCount / 8;

    public void Append(double value)
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
        // PLAIN DOUBLE is IEEE 754 little-endian, as this machine is (checked when the writer is created).
        MemoryMarshal.AsBytes(_values.AsSpan(startValue, valueCount)).CopyTo(output.Append(8 * valueCount));
    }

    /// <summary>
    /// NaN never enters the bounds (readers would prune wrongly), and a zero bound is written as -0.0 for the minimum and
    /// +0.0 for the maximum, as the format's notes on floating point statistics ask; all-NaN pages get no bounds.
    /// </summary>
    internal override bool TryWriteMinMax(ByteBuffer min, ByteBuffer max)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        var any = false;
        foreach (var v in _values.AsSpan(0, _valueCount))
        {
            if (double.IsNaN(v)) continue;
            any = true;
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }
        if (!any) return false;
        if (lo == 0) lo = -0.0;
        if (hi == 0) hi = 0.0;
        BinaryPrimitives.WriteDoubleLittleEndian(min.Append(8), lo);
        BinaryPrimitives.WriteDoubleLittleEndian(max.Append(8), hi);
        return true;
    }

    internal override void Reset()
    {
        base.Reset();
        _valueCount = 0;
    }
}
