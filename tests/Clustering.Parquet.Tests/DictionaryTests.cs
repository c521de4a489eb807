namespace Clustering.Parquet.Tests;

public sealed class DictionaryTests
{
    private static ParquetStringColumn Column(params string?[] values)
    {
        var schema = new ParquetSchema([ParquetColumn.String("s", optional: true)]);
        var writer = new ParquetFileWriter(Stream.Null, schema, new ParquetWriteOptions { Compression = CompressionCodec.None });
        var column = writer.Strings(0);
        column.AppendRange(values);
        return column;
    }

    [Fact]
    public void DistinctValuesGetIndicesInFirstSeenOrder()
    {
        var column = Column("b", null, "a", "b", "", "a", "文", "");
        Assert.True(column.Dictionary.TryBuild(column, maxBytes: 1 << 20));
        Assert.Equal(4, column.Dictionary.Count); // b, a, "", 文
        Assert.Equal([0, 1, 0, 2, 1, 3, 2], column.Dictionary.Indices[..column.ValueCount].ToArray());
        Assert.Equal(4 * 4 + 1 + 1 + 0 + 3, column.Dictionary.PlainBytes);
    }

    [Fact]
    public void ADictionaryPastItsByteLimitIsAbandoned()
    {
        var big = new string('x', 600);
        var column = Column(big + "1", big + "2", big + "1", big + "3");
        Assert.False(column.Dictionary.TryBuild(column, maxBytes: 1000)); // the second distinct value passes 1000 bytes
        Assert.True(column.Dictionary.TryBuild(column, maxBytes: 4000));
        Assert.Equal(3, column.Dictionary.Count);
    }

    [Fact]
    public void ManyDistinctValuesSurviveRehashing()
    {
        var values = Enumerable.Range(0, 20_000).Select(i => (i % 5000).ToString()).ToArray();
        var column = Column(values);
        Assert.True(column.Dictionary.TryBuild(column, maxBytes: 1 << 20));
        Assert.Equal(5000, column.Dictionary.Count);
        for (int i = 0; i < values.Length; i++) Assert.Equal(i % 5000, column.Dictionary.Indices[i]);
    }
}
