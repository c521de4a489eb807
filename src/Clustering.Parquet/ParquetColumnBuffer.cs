using Clustering.Parquet.Encodings;
using Clustering.Parquet.Format;

namespace Clustering.Parquet;

/// <summary>
/// The values of one column for the row group being built. Callers append rows to every column of a
/// <see cref="ParquetFileWriter"/> and then call <see cref="ParquetFileWriter.EndBatch"/>; the writer turns
/// the buffers into pages when the row group is full. Buffers are reused across row groups, so steady-state
/// appends allocate nothing.
/// </summary>
public abstract class ParquetColumnBuffer
{
    private byte[] _defined = []; // (rows) 1 = value present; only for optional columns

    private protected ParquetColumnBuffer(ParquetColumn column, int index)
    {
        Column = column;
        Index = index;
    }

    public ParquetColumn Column { get; }

    /// <summary>The column's position in the schema.</summary>
    public int Index { get; }

    /// <summary>Rows appended to the current row group.</summary>
    public int RowCount { get; private set; }

    /// <summary>Nulls among <see cref="RowCount"/>.</summary>
    public int NullCount { get; private set; }

    /// <summary>Rows written in earlier row groups, so messages can name the row of the file.</summary>
    internal long RowsBefore { get; set; }

    /// <summary>The size of the buffered values once PLAIN-encoded: what the row group cut is measured in.</summary>
    internal abstract long BufferedBytes { get; }

    internal abstract PhysicalType PhysicalType { get; }

    internal int MaxDefinitionLevel => Column.Optional || Column.Type == ParquetColumnType.FloatVector ? 1 : 0;

    internal int MaxRepetitionLevel => Column.Type == ParquetColumnType.FloatVector ? 1 : 0;

    /// <summary>Level entries (what Parquet calls num_values) of rows [start, end).</summary>
    internal virtual long LevelCount(int startRow, int endRow) => endRow - startRow;

    /// <summary>Non-null rows among [start, end): the values a page of those rows holds.</summary>
    internal int DefinedCount(int startRow, int endRow)
    {
        if (!Column.Optional) return endRow - startRow;
        return endRow - startRow - _defined.AsSpan(startRow, endRow - startRow).Count((byte)0);
    }

    internal virtual void WriteDefinitionLevels(RleBitPackedHybridEncoder encoder, int startRow, int endRow)
    {
        for (int row = startRow; row < endRow; row++) encoder.Put(_defined[row]);
    }

    internal virtual void WriteRepetitionLevels(RleBitPackedHybridEncoder encoder, int startRow, int endRow) { }

    /// <summary>
    /// The end of the page that starts at <paramref name="startRow"/>: at least one row, and as many more as
    /// fit in <paramref name="targetBytes"/> of PLAIN values. <paramref name="startValue"/> is the index of the
    /// first non-null value of the page.
    /// </summary>
    internal abstract int PageEnd(int startRow, int startValue, int targetBytes);

    /// <summary>PLAIN-encodes values [start, start + count) (non-null values only, in order).</summary>
    internal abstract void WritePlainValues(ByteBuffer output, int startValue, int valueCount);

    /// <summary>Min and max of the chunk as Parquet statistics bytes (PLAIN form), or false when there are none.</summary>
    internal abstract bool TryWriteMinMax(ByteBuffer min, ByteBuffer max);

    private protected bool IsDefined(int row) => !Column.Optional || _defined[row] != 0;

    /// <summary>Counts a row; call from the typed Append after the value is stored (or not, for a null).</summary>
    private protected void AddRow(bool defined)
    {
        if (Column.Optional)
        {
            if (RowCount == _defined.Length) Array.Resize(ref _defined, Math.Max(1024, _defined.Length * 2));
            _defined[RowCount] = defined ? (byte)1 : (byte)0;
        }
        if (!defined) NullCount++;
        RowCount++;
    }

    private protected ClusteringException NullInRequired() =>
        new($"Parquet column '{Column.Name}' is required, but row {RowsBefore + RowCount} is null.");

    internal virtual void Reset()
    {
        RowsBefore += RowCount;
        RowCount = 0;
        NullCount = 0;
    }

    /// <summary>Grows <paramref name="array"/> to hold at least <paramref name="needed"/> items, doubling.</summary>
    private protected static void EnsureCapacity<T>(ref T[] array, long needed)
    {
        if (needed <= array.Length) return;
        if (needed > Array.MaxLength) throw new ClusteringException("Parquet row group is too large for one buffer; lower RowGroupTargetBytes.");
        long next = Math.Max(Math.Max(needed, 1024), Math.Min((long)array.Length * 2, Array.MaxLength));
        Array.Resize(ref array, (int)next);
    }
}
