using Clustering.Parquet.Format;

namespace Clustering.Parquet;

/// <summary>A 64-bit floating point column (DOUBLE), for kept input fields that are floating point numbers.</summary>
public sealed class ParquetDoubleColumn : ParquetNumberColumn<double>
{
    internal ParquetDoubleColumn(ParquetColumn column, int index) : base(column, index) { }

    internal override PhysicalType PhysicalType => PhysicalType.Double;
}
