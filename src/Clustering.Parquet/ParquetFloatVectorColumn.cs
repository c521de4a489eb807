using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Clustering.Parquet.Encodings;
using Clustering.Parquet.Format;

namespace Clustering.Parquet;

/// <summary>
/// A required vector column: each row is exactly <see cref="ParquetColumn.Dimension"/> float32 values,
/// stored as the standard 3-level list (<c>required group name (LIST) { repeated group list { required float element } }</c>).
/// Max definition level 1 (a non-empty list), max repetition level 1; every row's levels are
/// rep = [0, 1, 1, ...], def = [1, 1, ...], which the RLE hybrid stores in a few bytes per row.
/// </summary>
public sealed class ParquetFloatVectorColumn : ParquetColumnBuffer
{
    private float[] _values = new float[1024]; // (rows, dimension)
    private readonly int _dimension;

    internal ParquetFloatVectorColumn(ParquetColumn column, int index) : base(column, index) => _dimension = column.Dimension;

    public int Dimension => _dimension;

    internal override PhysicalType PhysicalType => PhysicalType.Float;

    internal override long BufferedBytes => 4L * RowCount * _dimension;

    internal override long LevelCount(int startRow, int endRow) => (long)(endRow - startRow) * _dimension;

    public void Append(ReadOnlySpan<float> vector)
    {
        if (vector.Length != _dimension)
        {
            throw new ClusteringException(
                $"Parquet column '{Column.Name}', row {RowsBefore + RowCount}: the vector has {vector.Length} values, the column's dimension is {_dimension}.");
        }
        long start = (long)RowCount * _dimension;
        EnsureCapacity(ref _values, start + _dimension);
        vector.CopyTo(_values.AsSpan((int)start, _dimension));
        AddRow(defined: true);
    }

    /// <summary>Appends <c>vectors.Length / Dimension</c> rows from a (rows, dimension) buffer.</summary>
    public void AppendRange(ReadOnlySpan<float> vectors)
    {
        if (vectors.Length % _dimension != 0)
        {
            throw new ClusteringException(
                $"Parquet column '{Column.Name}': a batch of {vectors.Length} floats is not a whole number of {_dimension}-dimensional vectors.");
        }
        for (int offset = 0; offset < vectors.Length; offset += _dimension) Append(vectors.Slice(offset, _dimension));
    }

    internal override void WriteDefinitionLevels(RleBitPackedHybridEncoder encoder, int startRow, int endRow) =>
        encoder.PutRepeated(1, checked((int)LevelCount(startRow, endRow)));

    internal override void WriteRepetitionLevels(RleBitPackedHybridEncoder encoder, int startRow, int endRow)
    {
        for (int row = startRow; row < endRow; row++)
        {
            encoder.Put(0); // a new row starts a new list
            encoder.PutRepeated(1, _dimension - 1);
        }
    }

    internal override int PageEnd(int startRow, int startValue, int targetBytes) =>
        (int)Math.Min(RowCount, startRow + Math.Max(1, targetBytes / (4L * _dimension)));

    /// <summary>Here a "value" is a row: the page writer counts defined rows, and every row holds a whole vector.</summary>
    internal override void WritePlainValues(ByteBuffer output, int startValue, int valueCount)
    {
        int floats = checked(valueCount * _dimension);
        MemoryMarshal.AsBytes(_values.AsSpan(startValue * _dimension, floats)).CopyTo(output.Append(4 * floats));
    }

    internal override bool TryWriteMinMax(ByteBuffer min, ByteBuffer max)
    {
        // Statistics for FLOAT leave NaN out, and write a zero minimum as -0.0 and a zero maximum as +0.0
        // (parquet.thrift ColumnOrder notes), so readers that prune on them stay correct.
        var values = _values.AsSpan(0, RowCount * _dimension);
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        bool any = false;
        foreach (var v in values)
        {
            if (float.IsNaN(v)) continue;
            any = true;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        if (!any) return false;
        if (lo == 0) lo = -0.0f;
        if (hi == 0) hi = 0.0f;
        BinaryPrimitives.WriteSingleLittleEndian(min.Append(4), lo);
        BinaryPrimitives.WriteSingleLittleEndian(max.Append(4), hi);
        return true;
    }
}
