using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Parquet;
using Parquet.Schema;

namespace Clustering.Corpus;

/// <summary>
/// Reads one requested column of one row group into one string per row (null where the value is null), and for
/// string columns the reason a row's value cannot be used (invalid UTF-8, too long). Values are decoded as soon as
/// the column is read, so nothing holds on to Parquet.Net's buffers across columns.
/// </summary>
internal static class ParquetColumnReader
{
    private static readonly HashSet<Type> ScalarTypes =
    [
        typeof(bool), typeof(sbyte), typeof(byte), typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong),
        typeof(float), typeof(double), typeof(decimal), typeof(DateTime), typeof(DateOnly), typeof(TimeOnly), typeof(TimeSpan), typeof(Guid),
    ];

    /// <summary>Whether a scalar column's values can be turned into text.</summary>
    public static bool CanRead(DataField field) => ScalarTypes.Contains(field.ClrType);

    public readonly record struct Values(string?[] Strings, string?[]? Errors);

    public static async Task<Values> ReadAsync(ParquetRowGroupReader group, ParquetInputColumn column, int rows, int maxBytes, CancellationToken cancellationToken)
    {
        var field = column.Field!;
        if (column.Kind == ParquetValueKind.Scalar) return new Values(await ReadScalarsAsync(group, field, rows, cancellationToken).ConfigureAwait(false), null);

        var strings = new string?[rows];
        var errors = new string?[rows];
        var defs = new int[rows]; // asked for even when the column is required (Parquet.Net wants the buffer)
        var all = field.MaxDefinitionLevel == 0;
        if (column.RawField is { } raw)
        {
            var values = new ReadOnlyMemory<byte>[rows];
            await group.ReadRawAsync(raw, values.AsMemory(), defs, null, cancellationToken).ConfigureAwait(false);
            var v = 0;
            for (var r = 0; r < rows; r++)
            {
                if (!all && defs[r] != field.MaxDefinitionLevel) continue;
                var bytes = values[v++].Span;
                if (bytes.Length > maxBytes) errors[r] = $"{bytes.Length} bytes, over --max-document-bytes {maxBytes}";
                else if (!Utf8.IsValid(bytes)) errors[r] = $"invalid UTF-8 at byte {LineDocumentParser.InvalidUtf8Offset(bytes)}";
                else strings[r] = Encoding.UTF8.GetString(bytes);
            }
        }
        else
        {
            var values = new ReadOnlyMemory<char>[rows];
            await group.ReadRawAsync(field, values.AsMemory(), defs, null, cancellationToken).ConfigureAwait(false);
            var v = 0;
            for (var r = 0; r < rows; r++)
            {
                if (!all && defs[r] != field.MaxDefinitionLevel) continue;
                var text = values[v++].Span;
                var bytes = Encoding.UTF8.GetByteCount(text);
                if (bytes > maxBytes) errors[r] = $"{bytes} bytes, over --max-document-bytes {maxBytes}";
                else strings[r] = text.ToString();
            }
        }
        return new Values(strings, errors);
    }

    private static Task<string?[]> ReadScalarsAsync(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken) =>
        field.ClrType switch
        {
            var t when t == typeof(bool) => Scalars<bool>(group, field, rows, static v => v ? "true" : "false", cancellationToken),
            var t when t == typeof(sbyte) => Scalars<sbyte>(group, field, rows, Invariant, cancellationToken),
            var t when t == typeof(byte) => Scalars<byte>(group, field, rows, Invariant, cancellationToken),
            var t when t == typeof(short) => Scalars<short>(group, field, rows, Invariant, cancellationToken),
            var t when t == typeof(ushort) => Scalars<ushort>(group, field, rows, Invariant, cancellationToken),
            var t when t == typeof(int) => Scalars<int>(group, field, rows, Invariant, cancellationToken),
            var t when t == typeof(uint) => Scalars<uint>(group, field, rows, Invariant, cancellationToken),
            var t when t == typeof(long) => Scalars<long>(group, field, rows, Invariant, cancellationToken),
            var t when t == typeof(ulong) => Scalars<ulong>(group, field, rows, Invariant, cancellationToken),
            var t when t == typeof(float) => Scalars<float>(group, field, rows, static v => v.ToString("R", CultureInfo.InvariantCulture), cancellationToken),
            var t when t == typeof(double) => Scalars<double>(group, field, rows, static v => v.ToString("R", CultureInfo.InvariantCulture), cancellationToken),
            var t when t == typeof(decimal) => Scalars<decimal>(group, field, rows, Invariant, cancellationToken),
            var t when t == typeof(DateTime) => Scalars<DateTime>(group, field, rows, static v => v.ToString("O", CultureInfo.InvariantCulture), cancellationToken),
            var t when t == typeof(DateOnly) => Scalars<DateOnly>(group, field, rows, static v => v.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), cancellationToken),
            var t when t == typeof(TimeOnly) => Scalars<TimeOnly>(group, field, rows, static v => v.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture), cancellationToken),
            var t when t == typeof(TimeSpan) => Scalars<TimeSpan>(group, field, rows, static v => v.ToString("c", CultureInfo.InvariantCulture), cancellationToken),
            var t when t == typeof(Guid) => Scalars<Guid>(group, field, rows, static v => v.ToString("D"), cancellationToken),
            _ => throw new InvalidOperationException($"column '{field.Path}' of {field.ClrType.Name} was not refused at planning"),
        };

    private static string Invariant<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    private static async Task<string?[]> Scalars<T>(ParquetRowGroupReader group, DataField field, int rows, Func<T, string> format, CancellationToken cancellationToken)
        where T : struct
    {
        var values = new T[rows];
        var defs = new int[rows]; // asked for even when the column is required (Parquet.Net wants the buffer)
        var all = field.MaxDefinitionLevel == 0;
        await group.ReadRawAsync(field, values.AsMemory(), defs, null, cancellationToken).ConfigureAwait(false);
        var result = new string?[rows];
        var v = 0;
        for (var r = 0; r < rows; r++)
            if (all || defs[r] == field.MaxDefinitionLevel)
                result[r] = format(values[v++]);
        return result;
    }
}
