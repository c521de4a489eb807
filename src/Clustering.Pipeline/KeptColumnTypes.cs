using Clustering.Corpus;
using Clustering.Parquet;

namespace Clustering.Pipeline;

/// <summary>The planned type of each kept field as the Parquet column the writer makes.</summary>
internal static class KeptColumnTypes
{
    public static IReadOnlyList<ParquetColumnType>? Of(IReadOnlyList<KeptFieldType>? kept) => kept?.Select(t => t switch
    {
        KeptFieldType.Int64 => ParquetColumnType.Int64,
        KeptFieldType.Double => ParquetColumnType.Double,
        KeptFieldType.Bool => ParquetColumnType.Boolean,
        _ => ParquetColumnType.String,
    }).ToArray();
}
