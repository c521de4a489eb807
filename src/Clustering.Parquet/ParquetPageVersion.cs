namespace Clustering.Parquet;

/// <summary>
/// Data page layout. V1 compresses levels and values together; V2 keeps levels uncompressed in front and
/// states the row count per page. Every reader we test (DuckDB, pyarrow, hyparquet) reads both; V1 is the
/// default because some older readers (Spark before 3.3, older Presto) do not read V2.
/// </summary>
public enum ParquetPageVersion
{
    V1 = 1,
    V2 = 2,
}
