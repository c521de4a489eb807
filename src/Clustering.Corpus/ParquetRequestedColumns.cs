using Parquet.Schema;

namespace Clustering.Corpus;

/// <summary>
/// The text, id and kept columns of one Parquet file, resolved from <see cref="CorpusOptions"/>. Checked at planning
/// and again when a shard reads the file: a column of a type that cannot be text (a list, a struct, binary of an
/// unknown kind) makes the whole file unusable; a column that is simply absent is not an error here (rows without a
/// text column go to <c>_errors/</c>, absent ids are generated, absent kept fields are null).
/// </summary>
internal sealed record ParquetRequestedColumns(ParquetInputColumn Text, ParquetInputColumn Id, ParquetInputColumn[] Kept)
{
    public static ParquetRequestedColumns Resolve(ParquetSchema schema, CorpusOptions options, string input)
    {
        var text = ParquetInputColumn.Resolve(schema, options.TextField, "--text-field", input);
        if (text.Field is not null && text.Kind == ParquetValueKind.Scalar)
            throw new InputFileException(input, $"--text-field '{options.TextField}' is of type {text.TypeName}, not a string");
        var id = ParquetInputColumn.Resolve(schema, options.IdField, "--id-field", input);
        CheckScalar(id, "--id-field", input);
        var kept = options.KeepFields.Select(k => ParquetInputColumn.Resolve(schema, k, "--keep-fields", input)).ToArray();
        foreach (var k in kept) CheckScalar(k, "--keep-fields", input);
        return new ParquetRequestedColumns(text, id, kept);
    }

    private static void CheckScalar(ParquetInputColumn column, string option, string input)
    {
        if (column.Field is { } field && column.Kind == ParquetValueKind.Scalar && !ParquetColumnReader.CanRead(field))
            throw new InputFileException(input, $"{option} '{column.Path}' is of type {column.TypeName} ({field.ClrType.Name}), which cannot be read as text");
    }
}
