namespace Clustering.Parquet;

/// <summary>
/// The embedding output file: <c>id</c> (string), <c>embedding</c> (list&lt;float32&gt; of the model's
/// dimension, or the fixed-size form), <c>n_tokens</c> (int32), <c>truncated</c> (bool), then the kept
/// input fields as optional strings, in the order given. Rows are appended one at a time; row groups are
/// written as they fill. Appending copies into column buffers and allocates nothing per row.
/// </summary>
public sealed class EmbeddingParquetWriter : IDisposable
{
    public const string IdColumn = "id", EmbeddingColumn = "embedding", TokensColumn = "n_tokens", TruncatedColumn = "truncated";

    private readonly ParquetFileWriter _writer;
    private readonly ParquetStringColumn _id;
    private readonly ParquetFloatVectorColumn _embedding;
    private readonly ParquetInt32Column _tokens;
    private readonly ParquetBooleanColumn _truncated;
    private readonly ParquetStringColumn[] _kept;

    /// <param name="output">Where the file goes (typically a temp file that is uploaded once complete).</param>
    /// <param name="dimensions">The vector length of every row.</param>
    /// <param name="vectorType">List (the default) or the fixed-size form (<c>--vector-type fixed</c>).</param>
    /// <param name="keptFields">Names of input fields copied to the output, each an optional string column.</param>
    /// <param name="metadata">Model and job description for the footer.</param>
    /// <param name="options">Codec, page version and sizes; its KeyValueMetadata is appended after ours.</param>
    public EmbeddingParquetWriter(Stream output, int dimensions, ParquetVectorType vectorType, IReadOnlyList<string> keptFields,
        EmbeddingMetadata metadata, ParquetWriteOptions options)
    {
        var columns = new List<ParquetColumn>
        {
            ParquetColumn.String(IdColumn),
            ParquetColumn.FloatVector(EmbeddingColumn, dimensions, vectorType),
            ParquetColumn.Int32(TokensColumn),
            ParquetColumn.Boolean(TruncatedColumn),
        };
        foreach (var name in keptFields)
        {
            if (columns.Exists(c => c.Name == name))
            {
                throw new ClusteringException($"Kept field '{name}' has the name of an output column; output columns are id, embedding, n_tokens, truncated and each kept field once.");
            }
            columns.Add(ParquetColumn.String(name, optional: true));
        }
        Schema = new ParquetSchema(columns);
        _writer = new ParquetFileWriter(output, Schema, options with
        {
            KeyValueMetadata = metadata.ToKeyValues(dimensions, options.KeyValueMetadata),
        });
        _id = _writer.Strings(0);
        _embedding = _writer.FloatVectors(1);
        _tokens = _writer.Int32s(2);
        _truncated = _writer.Booleans(3);
        _kept = new ParquetStringColumn[keptFields.Count];
        for (int i = 0; i < _kept.Length; i++) _kept[i] = _writer.Strings(4 + i);
    }

    public ParquetSchema Schema { get; }

    /// <summary>Rows appended so far (written or buffered).</summary>
    public long Rows => _writer.RowsWritten + _writer.BufferedRows;

    /// <summary>Bytes already in the stream (row groups written so far).</summary>
    public long BytesWritten => _writer.BytesWritten;

    /// <summary>Appends one row. <paramref name="keptFields"/> holds one value (or null) per kept field name, in order.</summary>
    public void Append(string id, ReadOnlySpan<float> embedding, int nTokens, bool truncated, ReadOnlySpan<string?> keptFields)
    {
        if (keptFields.Length != _kept.Length)
        {
            throw new ClusteringException($"Embedding row '{id}': {keptFields.Length} kept field values given, the file has {_kept.Length} kept fields.");
        }
        if (embedding.Length != _embedding.Dimension)
        {
            throw new ClusteringException($"Embedding row '{id}': the vector has {embedding.Length} values, the file's dimension is {_embedding.Dimension}.");
        }
        ArgumentNullException.ThrowIfNull(id);
        _id.Append(id);
        _embedding.Append(embedding);
        _tokens.Append(nTokens);
        _truncated.Append(truncated);
        for (int i = 0; i < _kept.Length; i++) _kept[i].Append(keptFields[i]);
        _writer.EndBatch();
    }

    /// <summary>Writes the last row group and the footer; the stream stays open.</summary>
    public ParquetWriteResult Complete() => _writer.Complete();

    public void Dispose() => _writer.Dispose();
}
