using Clustering.Parquet.Format;

namespace Clustering.Parquet;

/// <summary>A 64-bit signed integer column (INT64), for kept input fields that are integers.</summary>
public sealed class ParquetInt64Column : ParquetNumberColumn<long>
{
    internal ParquetInt64Column(ParquetColumn column, int index) : base(column, index) { }

    internal override PhysicalType PhysicalType => PhysicalType.Int64;
}
