namespace Clustering.Parquet;

/// <summary>The flat list of top-level columns of a file, in file order.</summary>
public sealed class ParquetSchema
{
    public ParquetSchema(IReadOnlyList<ParquetColumn> columns)
    {
        if (columns.Count == 0) throw new ClusteringException("Parquet schema: at least one column is needed.");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < columns.Count; i++)
        {
            var name = columns[i].Name;
            if (string.IsNullOrEmpty(name)) throw new ClusteringException($"Parquet schema: column {i} has an empty name.");
            if (!names.Add(name)) throw new ClusteringException($"Parquet schema: column name '{name}' appears twice (columns {IndexOf(columns, name)} and {i}).");
        }
        Columns = columns.ToArray();
    }

    public IReadOnlyList<ParquetColumn> Columns { get; }

    public int IndexOf(string name) => IndexOf(Columns, name);

    private static int IndexOf(IReadOnlyList<ParquetColumn> columns, string name)
    {
        for (int i = 0; i < columns.Count; i++)
        {
            if (columns[i].Name == name) return i;
        }
        return -1;
    }
}
