using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Clustering.Parquet;

/// <summary>
/// A column of fixed-width numbers (INT32, INT64, DOUBLE): their PLAIN encoding is the little-endian bytes of the
/// values, as this machine stores them (checked when the writer is created), so pages are copied straight from the
/// buffer. The subclasses only name their physical type.
/// </summary>
public abstract class ParquetNumberColumn<T> : ParquetColumnBuffer where T : unmanaged, INumber<T>
{
    private T[] _values = new T[1024]; // (non-null values)
    private int _valueCount;

    private protected ParquetNumberColumn(ParquetColumn column, int index) : base(column, index) { }

    private static int Width => Unsafe.SizeOf<T>();

    internal override long BufferedBytes => (long)Width * _valueCount + RowCount / 8;

    public void Append(T value)
    {
        EnsureCapacity(ref _values, _valueCount + 1);
        _values[_valueCount++] = value;
        AddRow(defined: true);
    }

    public void Append(T? value)
    {
        if (value is { } v) Append(v);
        else AppendNull();
    }

    public void AppendRange(ReadOnlySpan<T> values)
    {
        foreach (var value in values) Append(value);
    }

    public void AppendNull()
    {
        if (!Column.Optional) throw NullInRequired();
        AddRow(defined: false);
    }

    internal override int PageEnd(int startRow, int startValue, int targetBytes) =>
        (int)Math.Min(RowCount, startRow + Math.Max(1, targetBytes / Width));

    internal override void WritePlainValues(ByteBuffer output, int startValue, int valueCount) =>
        MemoryMarshal.AsBytes(_values.AsSpan(startValue, valueCount)).CopyTo(output.Append(Width * valueCount));

    /// <summary>
    /// NaN never enters the bounds (readers would prune wrongly), and a zero bound is written as -0.0 for the minimum
    /// and +0.0 for the maximum, as the format's notes on floating point statistics ask (for integers both are 0); a
    /// chunk of only NaN gets no bounds.
    /// </summary>
    internal override bool TryWriteMinMax(ByteBuffer min, ByteBuffer max)
    {
        var any = false;
        T lo = default, hi = default;
        foreach (var v in _values.AsSpan(0, _valueCount))
        {
            if (T.IsNaN(v)) continue;
            lo = any ? T.Min(lo, v) : v;
            hi = any ? T.Max(hi, v) : v;
            any = true;
        }
        if (!any) return false;
        if (T.IsZero(lo)) lo = -T.Zero;
        if (T.IsZero(hi)) hi = T.Zero;
        MemoryMarshal.Write(min.Append(Width), in lo);
        MemoryMarshal.Write(max.Append(Width), in hi);
        return true;
    }

    internal override void Reset()
    {
        base.Reset();
        _valueCount = 0;
    }
}
