using Clustering.Parquet.Format;

namespace Clustering.Parquet;

/// <summary>A 32-bit signed integer column (INT32).</summary>
public sealed class ParquetInt32Column : ParquetNumberColumn<int>
{
    internal ParquetInt32Column(ParquetColumn column, int index) : base(column, index) { }

    internal override PhysicalType PhysicalType => PhysicalType.Int32;
}
