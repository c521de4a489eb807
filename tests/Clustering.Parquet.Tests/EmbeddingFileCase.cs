namespace Clustering.Parquet.Tests;

/// <summary>One embedding file of the read-back matrix: how it is written and the rows it holds.</summary>
public sealed record EmbeddingFileCase(
    string Name,
    CompressionCodec Compression,
    ParquetPageVersion PageVersion,
    VectorType VectorType,
    bool Dictionary,
    int Dimensions,
    int Rows,
    long RowGroupTargetBytes = 24 << 10,
    int PageTargetBytes = 4 << 10)
{
    public static readonly string[] KeptFields = ["source", "title"];

    public static readonly EmbeddingMetadata Metadata = new()
    {
        ModelId = "Qwen/Qwen3-Embedding-0.6B",
        ModelRevision = "c54f2e6e80b2d7b7de06f51cec4959f6b3e03418",
        Pooling = "last_token",
        Normalized = true,
        Prompt = "Instruct: Given a web search query\nQuery:",
        Dtype = "bf16",
        JobId = "job-ünïcødé-42",
        ToolVersion = "embedctl 0.1.0-test",
    };

    public ParquetWriteOptions Options => new()
    {
        Compression = Compression,
        PageVersion = PageVersion,
        DictionaryForStrings = Dictionary,
        RowGroupTargetBytes = RowGroupTargetBytes,
        PageTargetBytes = PageTargetBytes,
        KeyValueMetadata = [new("test.case", Name)],
    };

    public sealed record Row(string Id, float[] Embedding, int NTokens, bool Truncated, string?[] Kept);

    /// <summary>Deterministic rows with the awkward values: empty and non-ASCII strings, nulls, extreme ints, special floats.</summary>
    public IReadOnlyList<Row> Generate()
    {
        var random = new Random(Rows * 31 + Dimensions);
        var rows = new List<Row>(Rows);
        string[] sources = ["web", "news", "wiki-ñ", "web", "news"];
        for (int i = 0; i < Rows; i++)
        {
            string id = i switch
            {
                5 => "",
                _ when i % 50 == 3 => $"文書-{i}-🙂",
                _ => $"doc-{i:D6}",
            };
            var embedding = new float[Dimensions];
            for (int d = 0; d < Dimensions; d++) embedding[d] = random.NextSingle() * 2 - 1;
            if (i == 0)
            {
                float[] special = [-0.0f, float.Epsilon, float.MaxValue, float.MinValue, 1e-40f, 0.1f, -1.0f / 3, 16777217f];
                for (int d = 0; d < Math.Min(Dimensions, special.Length); d++) embedding[d] = special[d];
            }
            if (i == 1 && Dimensions >= 2) embedding[1] = float.NaN;
            int nTokens = i switch { 2 => int.MinValue, 4 => int.MaxValue, _ => i * 7 % 513 };
            string? source = i % 4 == 3 ? null : sources[i % sources.Length];
            // Titles never repeat (one empty string, nulls aside), so a dictionary cannot pay for them.
            string? title = i == 2 ? "" : (i % 7) switch
            {
                1 => null,
                3 => $"Überschrift ✓ {i} — {random.Next():x8}{random.Next():x8}",
                _ => $"title {i} {random.Next():x8}{random.Next():x8}{random.Next():x8}",
            };
            rows.Add(new Row(id, embedding, nTokens, i % 3 == 0, [source, title]));
        }
        return rows;
    }

    public ParquetWriteResult Write(string path, IReadOnlyList<Row> rows)
    {
        using var stream = File.Create(path);
        using var writer = new EmbeddingParquetWriter(stream, Dimensions, VectorType, KeptFields, Metadata, Options);
        foreach (var row in rows) writer.Append(row.Id, row.Embedding, row.NTokens, row.Truncated, row.Kept);
        var result = writer.Complete();
        Assert.Equal(rows.Count, result.Rows);
        Assert.Equal(new FileInfo(path).Length, result.Bytes);
        return result;
    }

    public override string ToString() => Name;
}
