using System.Text.Json;

namespace Clustering.Parquet.Tests;

/// <summary>
/// Writes every file of the matrix once, then reads them all back with one node process (DuckDB and
/// hyparquet), so each test case only compares.
/// </summary>
public sealed class ReadbackMatrixFixture : IDisposable
{
    public static IReadOnlyList<EmbeddingFileCase> Cases { get; } = BuildCases();

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clustering-parquet-" + Guid.NewGuid().ToString("N"));

    public ReadbackMatrixFixture()
    {
        Directory.CreateDirectory(_directory);
        var paths = new List<string>();
        foreach (var c in Cases)
        {
            string path = Path.Combine(_directory, c.Name + ".parquet");
            var rows = c.Generate();
            Written[c.Name] = (path, rows, c.Write(path, rows));
            paths.Add(path);
        }
        var read = ParquetReadback.Read(paths);
        foreach (var c in Cases) Read[c.Name] = read[Written[c.Name].Path];
    }

    public Dictionary<string, (string Path, IReadOnlyList<EmbeddingFileCase.Row> Rows, ParquetWriteResult Result)> Written { get; } = [];

    public Dictionary<string, JsonElement> Read { get; } = [];

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private static List<EmbeddingFileCase> BuildCases()
    {
        var cases = new List<EmbeddingFileCase>();
        foreach (var codec in new[] { CompressionCodec.None, CompressionCodec.Snappy, CompressionCodec.Gzip, CompressionCodec.Zstd })
        foreach (var page in new[] { ParquetPageVersion.V1, ParquetPageVersion.V2 })
        foreach (var vector in new[] { VectorType.List, VectorType.Fixed })
        foreach (var dictionary in new[] { true, false })
        {
            string name = $"{codec}-{page}-{vector}-{(dictionary ? "dict" : "plain")}".ToLowerInvariant();
            cases.Add(new EmbeddingFileCase(name, codec, page, vector, dictionary, Dimensions: 24, Rows: 300));
        }
        cases.Add(new("empty-list", CompressionCodec.Zstd, ParquetPageVersion.V1, VectorType.List, true, 16, Rows: 0));
        cases.Add(new("empty-fixed", CompressionCodec.Snappy, ParquetPageVersion.V2, VectorType.Fixed, true, 16, Rows: 0));
        cases.Add(new("dim1-v1", CompressionCodec.Snappy, ParquetPageVersion.V1, VectorType.List, true, 1, Rows: 200, PageTargetBytes: 64));
        cases.Add(new("dim1-v2-fixed", CompressionCodec.Zstd, ParquetPageVersion.V2, VectorType.Fixed, true, 1, Rows: 200, PageTargetBytes: 64));
        cases.Add(new("dim4096-zstd-v2", CompressionCodec.Zstd, ParquetPageVersion.V2, VectorType.Fixed, true, 4096, Rows: 40, RowGroupTargetBytes: 256 << 10, PageTargetBytes: 64 << 10));
        cases.Add(new("dim4096-snappy-v1", CompressionCodec.Snappy, ParquetPageVersion.V1, VectorType.List, false, 4096, Rows: 40, RowGroupTargetBytes: 256 << 10, PageTargetBytes: 64 << 10));
        cases.Add(new("many-row-groups", CompressionCodec.Snappy, ParquetPageVersion.V1, VectorType.List, true, 4, Rows: 2000, RowGroupTargetBytes: 2 << 10, PageTargetBytes: 512));
        cases.Add(new("one-row-group", CompressionCodec.Gzip, ParquetPageVersion.V2, VectorType.List, true, 24, Rows: 500, RowGroupTargetBytes: 64 << 20, PageTargetBytes: 1 << 20));
        return cases;
    }
}
