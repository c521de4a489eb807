using System.Globalization;

namespace Clustering.Parquet;

/// <summary>
/// The embedding output file: <c>id</c> (string), <c>embedding</c> (list&lt;float32&gt; of the model's
/// dimension, or the fixed-size form), <c>n_tokens</c> (int32), <c>truncated</c> (bool), then the kept
/// input fields as optional columns, in the order given: strings, or int64 / double / bool where the input's column
/// had that type (values arrive as invariant text and are stored typed). A chunked job (<c>--chunk-tokens</c>) adds
/// <c>chunk</c>, <c>char_start</c> and <c>char_end</c> (int32) after <c>truncated</c>: one row per window of a document. Rows are appended one at a time; row groups are
/// written as they fill. Appending copies into column buffers and allocates nothing per row.
/// </summary>
public sealed class EmbeddingParquetWriter : IDisposable
{
    public const string IdColumn = "id", EmbeddingColumn = "embedding", TokensColumn = "n_tokens", TruncatedColumn = "truncated",
        ChunkColumn = "chunk", CharStartColumn = "char_start", CharEndColumn = "char_end";

    private readonly ParquetFileWriter _writer;
    private readonly ParquetStringColumn _id;
    private readonly ParquetFloatVectorColumn _embedding;
    private readonly ParquetInt32Column _tokens;
    private readonly ParquetBooleanColumn _truncated;
    private readonly ParquetColumnBuffer[] _kept;
    private readonly ParquetInt32Column? _chunk, _charStart, _charEnd;

    /// <param name="output">Where the file goes (typically a temp file that is uploaded once complete).</param>
    /// <param name="dimensions">The vector length of every row.</param>
    /// <param name="vectorType">List (the default) or the fixed-size form (<c>--vector-type fixed</c>).</param>
    /// <param name="keptFields">Names of input fields copied to the output, each an optional column.</param>
    /// <param name="keptTypes">The column type of each kept field (String, Int64, Double or Boolean); null: all strings.</param>
    /// <param name="metadata">Model and job description for the footer.</param>
    /// <param name="options">Codec, page version and sizes; its KeyValueMetadata is appended after ours.</param>
    /// <param name="chunks">Write the chunk, char_start and char_end columns (rows are appended with a <see cref="ChunkPosition"/>).</param>
    public EmbeddingParquetWriter(Stream output, int dimensions, VectorType vectorType, IReadOnlyList<string> keptFields,
        EmbeddingMetadata metadata, ParquetWriteOptions options, IReadOnlyList<ParquetColumnType>? keptTypes = null, bool chunks = false)
    {
        if (keptTypes is not null && keptTypes.Count != keptFields.Count)
            throw new ClusteringException($"Embedding file: {keptTypes.Count} kept field types for {keptFields.Count} kept fields.");
        var columns = new List<ParquetColumn>
        {
            ParquetColumn.String(IdColumn),
            ParquetColumn.FloatVector(EmbeddingColumn, dimensions, vectorType),
            ParquetColumn.Int32(TokensColumn),
            ParquetColumn.Boolean(TruncatedColumn),
        };
        if (chunks) columns.AddRange([ParquetColumn.Int32(ChunkColumn), ParquetColumn.Int32(CharStartColumn), ParquetColumn.Int32(CharEndColumn)]);
        int firstKept = columns.Count;
        for (var k = 0; k < keptFields.Count; k++)
        {
            var name = keptFields[k];
            if (columns.Exists(c => c.Name == name))
            {
                throw new ClusteringException($"Kept field '{name}' has the name of an output column; output columns are id, embedding, n_tokens, truncated (chunk, char_start, char_end when chunked) and each kept field once.");
            }
            var type = keptTypes?[k] ?? ParquetColumnType.String;
            if (type is not (ParquetColumnType.String or ParquetColumnType.Int64 or ParquetColumnType.Double or ParquetColumnType.Boolean))
                throw new ClusteringException($"Kept field '{name}': a kept field is a string, int64, double or boolean column, not {type}.");
            columns.Add(ParquetColumn.Scalar(name, type, optional: true));
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
        if (chunks)
        {
            _chunk = _writer.Int32s(4);
            _charStart = _writer.Int32s(5);
            _charEnd = _writer.Int32s(6);
        }
        _kept = new ParquetColumnBuffer[keptFields.Count];
        for (int i = 0; i < _kept.Length; i++) _kept[i] = _writer.Column(firstKept + i);
    }

    public ParquetSchema Schema { get; }

    /// <summary>Rows appended so far (written or buffered).</summary>
    public long Rows => _writer.RowsWritten + _writer.BufferedRows;

    /// <summary>Bytes already in the stream (row groups written so far).</summary>
    public long BytesWritten => _writer.BytesWritten;

    /// <summary>Appends one row. <paramref name="keptFields"/> holds one value (or null) per kept field name, in order.</summary>
    public void Append(string id, ReadOnlySpan<float> embedding, int nTokens, bool truncated, ReadOnlySpan<string?> keptFields) =>
        Append(id, embedding, nTokens, truncated, keptFields, null);

    /// <summary>Appends one row; <paramref name="chunk"/> is required exactly when the file was made with chunk columns.</summary>
    public void Append(string id, ReadOnlySpan<float> embedding, int nTokens, bool truncated, ReadOnlySpan<string?> keptFields, ChunkPosition? chunk)
    {
        if ((chunk is null) != (_chunk is null))
            throw new ClusteringException($"Embedding row '{id}': {(_chunk is null ? "a chunk position given for a file without chunk columns" : "no chunk position for a file with chunk columns")}.");
        if (keptFields.Length != _kept.Length)
        {
            throw new ClusteringException($"Embedding row '{id}': {keptFields.Length} kept field values given, the file has {_kept.Length} kept fields.");
        }
        if (embedding.Length != _embedding.Dimension)
        {
            throw new ClusteringException($"Embedding row '{id}': the vector has {embedding.Length} values, the file's dimension is {_embedding.Dimension}.");
        }
        ArgumentNullException.ThrowIfNull(id);
        // Parse every kept value before appending any column, so a bad one leaves no row half written.
        for (int i = 0; i < _kept.Length; i++) CheckKept(id, i, keptFields[i]);
        _id.Append(id);
        _embedding.Append(embedding);
        _tokens.Append(nTokens);
        _truncated.Append(truncated);
        if (chunk is { } c)
        {
            _chunk!.Append(c.Index);
            _charStart!.Append(c.CharStart);
            _charEnd!.Append(c.CharEnd);
        }
        for (int i = 0; i < _kept.Length; i++) AppendKept(_kept[i], keptFields[i]);
        _writer.EndBatch();
    }

    private void CheckKept(string id, int index, string? value)
    {
        var ok = value is null || _kept[index] switch
        {
            ParquetInt64Column => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
            ParquetDoubleColumn => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            ParquetBooleanColumn => value is "true" or "false",
            _ => true,
        };
        if (!ok)
            throw new ClusteringException($"Embedding row '{id}': kept field '{_kept[index].Column.Name}' is a {_kept[index].Column.Type} column; '{value}' is not one.");
    }

    private static void AppendKept(ParquetColumnBuffer column, string? value)
    {
        switch (column)
        {
            case ParquetStringColumn strings: strings.Append(value); break;
            case ParquetInt64Column longs when value is not null: longs.Append(long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)); break;
            case ParquetInt64Column longs: longs.AppendNull(); break;
            case ParquetDoubleColumn doubles when value is not null: doubles.Append(double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture)); break;
            case ParquetDoubleColumn doubles: doubles.AppendNull(); break;
            case ParquetBooleanColumn booleans when value is not null: booleans.Append(value == "true"); break;
            case ParquetBooleanColumn booleans: booleans.AppendNull(); break;
        }
    }

    /// <summary>Writes the last row group and the footer; the stream stays open.</summary>
    public ParquetWriteResult Complete() => _writer.Complete();

    public void Dispose() => _writer.Dispose();
}

/// <summary>Where a chunk row's window lies: its index in the document and [CharStart, CharEnd) in code points of the text.</summary>
public readonly record struct ChunkPosition(int Index, int CharStart, int CharEnd);
