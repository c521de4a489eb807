using Clustering.Parquet.Native;

namespace Clustering.Parquet.Tests;

/// <summary>Every refusal names the column (or option) and the row, and leaves no crash or half-written footer behind.</summary>
public sealed class BadInputTests
{
    private static readonly EmbeddingMetadata Metadata = new() { ModelId = "m", Pooling = "last_token", Normalized = true, Dtype = "fp32" };

    private static EmbeddingParquetWriter Writer(Stream s, int dimensions = 3, params string[] kept) =>
        new(s, dimensions, VectorType.List, kept, Metadata, new ParquetWriteOptions { Compression = CompressionCodec.Snappy });

    [Fact]
    public void AWrongVectorLengthIsRefusedWithTheRowAndDimension()
    {
        using var writer = Writer(new MemoryStream());
        writer.Append("a", [1, 2, 3], 1, false, []);
        var e = Assert.Throws<ClusteringException>(() => writer.Append("b", [1, 2], 1, false, []));
        Assert.Equal("Embedding row 'b': the vector has 2 values, the file's dimension is 3.", e.Message);
        Assert.Equal(1, writer.Rows); // the bad row left nothing behind
    }

    [Fact]
    public void AWrongNumberOfKeptFieldsIsRefused()
    {
        using var writer = Writer(new MemoryStream(), 3, "source");
        var e = Assert.Throws<ClusteringException>(() => writer.Append("x", [1, 2, 3], 1, false, ["a", "b"]));
        Assert.Equal("Embedding row 'x': 2 kept field values given, the file has 1 kept fields.", e.Message);
    }

    [Fact]
    public void AKeptFieldNamedLikeAnOutputColumnIsRefused()
    {
        var e = Assert.Throws<ClusteringException>(() => Writer(new MemoryStream(), 3, "n_tokens"));
        Assert.StartsWith("Kept field 'n_tokens' has the name of an output column", e.Message);
    }

    [Fact]
    public void ANullInARequiredColumnNamesColumnAndRow()
    {
        var schema = new ParquetSchema([ParquetColumn.String("id"), ParquetColumn.Int32("n")]);
        using var writer = new ParquetFileWriter(new MemoryStream(), schema, new ParquetWriteOptions());
        writer.Strings(0).Append("a");
        writer.Int32s(1).Append(1);
        writer.EndBatch();
        var e = Assert.Throws<ClusteringException>(() => writer.Strings(0).Append((string?)null));
        Assert.Equal("Parquet column 'id' is required, but row 1 is null.", e.Message);
        var e2 = Assert.Throws<ClusteringException>(() => writer.Int32s(1).Append((int?)null));
        Assert.Equal("Parquet column 'n' is required, but row 1 is null.", e2.Message);
    }

    [Fact]
    public void InvalidUtf8IsRefusedWithColumnAndRow()
    {
        var schema = new ParquetSchema([ParquetColumn.String("title", optional: true)]);
        using var writer = new ParquetFileWriter(new MemoryStream(), schema, new ParquetWriteOptions());
        writer.Strings(0).AppendUtf8("ok"u8);
        var e = Assert.Throws<ClusteringException>(() => writer.Strings(0).AppendUtf8([0x61, 0xC3]));
        Assert.Equal("Parquet column 'title', row 1: the value is not valid UTF-8.", e.Message);
    }

    [Fact]
    public void ColumnsOfDifferentLengthsAreRefusedAtEndBatch()
    {
        var schema = new ParquetSchema([ParquetColumn.String("id"), ParquetColumn.Boolean("flag")]);
        using var writer = new ParquetFileWriter(new MemoryStream(), schema, new ParquetWriteOptions());
        writer.Strings("id").Append("a");
        writer.Strings("id").Append("b");
        writer.Booleans("flag").Append(true);
        var e = Assert.Throws<ClusteringException>(writer.EndBatch);
        Assert.Equal("Parquet batch: column 'flag' has 1 rows but column 'id' has 2; append the same rows to every column before EndBatch.", e.Message);
    }

    [Fact]
    public void SchemaAndOptionMistakesAreNamed()
    {
        Assert.Equal("Parquet schema: column name 'a' appears twice (columns 0 and 1).",
            Assert.Throws<ClusteringException>(() => new ParquetSchema([ParquetColumn.Int32("a"), ParquetColumn.String("a")])).Message);
        Assert.Equal("Parquet schema: column 'v' needs a vector dimension of at least 1, got 0.",
            Assert.Throws<ClusteringException>(() => ParquetColumn.FloatVector("v", 0)).Message);
        var schema = new ParquetSchema([ParquetColumn.Int32("a")]);
        Assert.Equal("Parquet options: PageTargetBytes must be positive, got 0.",
            Assert.Throws<ClusteringException>(() => new ParquetFileWriter(new MemoryStream(), schema, new ParquetWriteOptions { PageTargetBytes = 0 })).Message);
        Assert.Equal("Parquet options: ZstdLevel must be in 1..22, got 40.",
            Assert.Throws<ClusteringException>(() => new ParquetFileWriter(new MemoryStream(), schema, new ParquetWriteOptions { ZstdLevel = 40 })).Message);
        Assert.Equal("Parquet options: unknown compression 3.",
            Assert.Throws<ClusteringException>(() => new ParquetFileWriter(new MemoryStream(), schema, new ParquetWriteOptions { Compression = (CompressionCodec)3 })).Message);
    }

    [Fact]
    public void AMissingLibzstdGivesTheInstallMessage()
    {
        string? message = LibZstd.Probe("libzstd-that-is-not-here.so.1");
        Assert.Equal(
            "ZSTD compression needs libzstd (libzstd-that-is-not-here.so.1), which could not be loaded on this machine. " +
            "Install it (Debian/Ubuntu: apt-get install libzstd1; RHEL/Fedora: dnf install libzstd) or choose another codec (--compression snappy|gzip|none).",
            message);
        Assert.Null(LibZstd.Probe(LibZstd.LibraryName)); // and the real one is found here
    }

    [Fact]
    public void AFinishedWriterRefusesMoreRows()
    {
        using var writer = Writer(new MemoryStream());
        writer.Append("a", [1, 2, 3], 1, false, []);
        writer.Complete();
        Assert.Throws<InvalidOperationException>(() => writer.Append("b", [1, 2, 3], 1, false, []));
    }
}
