namespace Clustering.Parquet.Tests;

public sealed class AllocationTests
{
    [Fact]
    public void AppendingRowsAllocatesNothingOnceTheBuffersHaveGrown()
    {
        const int dims = 64, rowsPerGroup = 500;
        var metadata = new EmbeddingMetadata { ModelId = "m", Pooling = "last_token", Normalized = true, Dtype = "fp32" };
        // Row groups are cut when the vectors alone reach this size, i.e. every rowsPerGroup rows.
        var options = new ParquetWriteOptions { Compression = CompressionCodec.Snappy, RowGroupTargetBytes = rowsPerGroup * dims * 4 };
        var ids = Enumerable.Range(0, rowsPerGroup).Select(i => $"doc-{i}").ToArray();
        string?[] kept = ["web", null];
        var vector = new float[dims];
        using var writer = new EmbeddingParquetWriter(Stream.Null, dims, VectorType.List, ["source", "title"], metadata, options);

        // Grow the buffers through a whole row group, then write a second row group's worth as a warm-up.
        int i = 0;
        while (writer.BytesWritten == 4) writer.Append(ids[i % rowsPerGroup], vector, i++, false, kept);
        long firstGroupBytes = writer.BytesWritten;
        while (writer.BytesWritten == firstGroupBytes) writer.Append(ids[i % rowsPerGroup], vector, i++, false, kept);
        long bytes = writer.BytesWritten;

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < rowsPerGroup / 2; k++) writer.Append(ids[k], vector, k, true, kept); // half a row group: no flush
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(bytes, writer.BytesWritten);
        Assert.Equal(0, allocated);
    }
}
