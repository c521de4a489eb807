namespace Clustering;

/// <summary>
/// How the Parquet parts are written (<see cref="JobSpec.Write"/>, JSON "write"): <c>--compression</c>,
/// <c>--vector-type</c>, <c>--output-format</c>. The Parquet writer takes its codec and vector type from these enums
/// themselves; its own layout settings (row groups, pages, dictionaries) are not job options.
/// </summary>
public sealed record OutputOptions
{
    public CompressionCodec Compression { get; init; } = CompressionCodec.Zstd;

    /// <summary>`list` writes list&lt;float32&gt;; `fixed` writes the fixed-size form.</summary>
    public VectorType VectorType { get; init; } = VectorType.List;

    /// <summary>
    /// <c>--output-format</c>: null for the Parquet parts only, or <see cref="OpenAiBatch.Format"/> to also write OpenAI
    /// batch result lines (one per request of an OpenAI batch input) beside them.
    /// </summary>
    public string? Format { get; init; }

    /// <summary>Refuses values no writer could honour, naming the option (part of <see cref="JobSpec.Validate"/>).</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Compression)) throw new ClusteringException($"--compression: unknown codec {(int)Compression}");
        if (!Enum.IsDefined(VectorType)) throw new ClusteringException($"--vector-type: unknown type {(int)VectorType}");
        OpenAiBatch.Check("--output-format", Format);
    }
}

/// <summary>
/// The Parquet codec of the output parts. The values are parquet.thrift's CompressionCodec numbers, which the writer puts
/// in the footer as they are; JSON and the CLI use the lowercase names.
/// </summary>
public enum CompressionCodec { None = 0, Snappy = 1, Gzip = 2, Zstd = 6 }

/// <summary>How the embedding column is declared.</summary>
public enum VectorType
{
    /// <summary>A standard LIST&lt;FLOAT&gt;: every reader sees list&lt;float&gt;.</summary>
    List,

    /// <summary>
    /// The same LIST layout plus an <c>ARROW:schema</c> footer entry declaring FixedSizeList&lt;float&gt;[d], which is how
    /// Arrow itself writes fixed-size lists: pyarrow (and arrow-rs, DataFusion, Polars) read fixed_size_list[d]; readers
    /// that ignore the Arrow schema (DuckDB, hyparquet, Spark) read a list.
    /// </summary>
    Fixed,
}
