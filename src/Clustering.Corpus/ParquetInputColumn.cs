using Parquet.Schema;

namespace Clustering.Corpus;

/// <summary>What a requested column holds, as far as documents care.</summary>
internal enum ParquetValueKind
{
    /// <summary>BYTE_ARRAY annotated as a string (UTF8 / STRING): validated as UTF-8.</summary>
    Utf8,
    /// <summary>BYTE_ARRAY without annotation: taken as text only if it is valid UTF-8.</summary>
    Binary,
    /// <summary>Any other primitive (integers, floats, booleans, dates, decimals): formatted invariantly.</summary>
    Scalar,
}

/// <summary>
/// One of <c>--text-field</c>, <c>--id-field</c>, <c>--keep-fields</c> resolved against a Parquet file's schema: a
/// dotted path walks struct members (<c>meta.lang</c>) down to a leaf column. <see cref="Field"/> is null when the file
/// has no such column (its rows then miss the field). For string columns <see cref="RawField"/> reads the same column
/// as raw bytes, so invalid UTF-8 is reported rather than replaced.
/// </summary>
internal sealed class ParquetInputColumn
{
    private ParquetInputColumn(string path, DataField? field, DataField? rawField, ParquetValueKind kind)
    {
        Path = path;
        Field = field;
        RawField = rawField;
        Kind = kind;
    }

    public string Path { get; }
    public DataField? Field { get; }
    public DataField? RawField { get; }
    public ParquetValueKind Kind { get; }

    /// <summary>
    /// The output column type this column asks for as a kept field: integers (but unsigned 64-bit) as int64, floating
    /// point as double, booleans as bool, everything else (strings, decimals, dates, times) as string; null when absent.
    /// </summary>
    public KeptFieldType? KeptType => Field?.ClrType switch
    {
        null => null,
        var t when t == typeof(bool) => KeptFieldType.Bool,
        var t when t == typeof(sbyte) || t == typeof(byte) || t == typeof(short) || t == typeof(ushort) || t == typeof(int) || t == typeof(uint)
            || t == typeof(long) => KeptFieldType.Int64,
        var t when t == typeof(float) || t == typeof(double) => KeptFieldType.Double,
        _ => KeptFieldType.String,
    };

    /// <summary>The column's Parquet type in messages (INT64, BYTE_ARRAY/UTF8, ...).</summary>
    public string TypeName => Field?.SchemaElement is { } e ? e.ConvertedType is { } c ? $"{e.Type}/{c}" : $"{e.Type}" : Field?.ClrType.Name ?? "missing";

    /// <summary>
    /// Resolves <paramref name="path"/>; a path that names a struct, a list or a map is refused as an
    /// <see cref="InputFileException"/> naming the option, the file and the column.
    /// </summary>
    public static ParquetInputColumn Resolve(ParquetSchema schema, string path, string option, string input)
    {
        IReadOnlyList<Field> level = schema.Fields;
        var parts = path.Split('.');
        var chain = new List<Field>(parts.Length);
        for (var i = 0; i < parts.Length; i++)
        {
            var found = level.FirstOrDefault(f => f.Name == parts[i]);
            if (found is null) return new ParquetInputColumn(path, null, null, ParquetValueKind.Scalar);
            chain.Add(found);
            var last = i == parts.Length - 1;
            switch (found)
            {
                case StructField s when !last:
                    level = s.Fields;
                    break;
                case DataField d when last:
                    if (d.MaxRepetitionLevel > 0 || d.IsArray)
                        throw new InputFileException(input, $"{option} '{path}' is a repeated column; only scalar columns and struct members can be read");
                    return FromLeaf(path, d, chain);
                case StructField when last:
                    throw new InputFileException(input, $"{option} '{path}' is a struct; name one of its members ('{path}.NAME')");
                default:
                    throw new InputFileException(input, $"{option} '{path}': '{string.Join('.', parts[..(i + 1)])}' is a {found.SchemaType.ToString().ToLowerInvariant()}; only scalar columns and struct members can be read");
            }
        }
        throw new InvalidOperationException("unreachable");
    }

    private static ParquetInputColumn FromLeaf(string path, DataField field, List<Field> chain)
    {
        if (field.ClrType == typeof(ReadOnlyMemory<byte>) || field.ClrType == typeof(byte[]))
            return new ParquetInputColumn(path, field, field, ParquetValueKind.Binary);
        if (field.ClrType != typeof(ReadOnlyMemory<char>) && field.ClrType != typeof(string))
            return new ParquetInputColumn(path, field, null, ParquetValueKind.Scalar);
        // The same column declared as bytes, in a schema of its own with the same structs above it, so Parquet.Net
        // hands back the stored bytes. If its levels come out other than the file's (a required struct above it),
        // the column is read as decoded strings instead, where invalid UTF-8 shows as U+FFFD.
        Field raw = new DataField(field.Name, typeof(byte[]), field.IsNullable);
        for (var i = chain.Count - 2; i >= 0; i--) raw = new StructField(chain[i].Name, raw);
        _ = new ParquetSchema(raw);
        var rawLeaf = raw;
        while (rawLeaf is StructField s) rawLeaf = s.Fields[0];
        var bytes = (DataField)rawLeaf;
        return new ParquetInputColumn(path, field,
            bytes.MaxDefinitionLevel == field.MaxDefinitionLevel ? bytes : null, ParquetValueKind.Utf8);
    }
}
