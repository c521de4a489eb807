using System.Buffers.Binary;
using static Clustering.Parquet.Arrow.FlatBufferWriter;

namespace Clustering.Parquet.Arrow;

/// <summary>
/// The <c>ARROW:schema</c> footer entry: base64 of an Arrow IPC Schema message (arrow/format/Schema.fbs,
/// Message.fbs, in the encapsulated form: 0xFFFFFFFF, metadata length, flatbuffer, padding to 8). Arrow
/// readers (pyarrow, arrow-rs) take column types from it where the Parquet schema alone is ambiguous;
/// we write it so our fixed-size vectors read back as FixedSizeList&lt;float&gt;[d], exactly as a file
/// that pyarrow wrote from a fixed_size_list column. Top-level fields must match the Parquet columns
/// one to one (pyarrow ignores the entry otherwise).
/// </summary>
internal static class ArrowSchemaMessage
{
    public const string MetadataKey = "ARROW:schema";

    // Schema.fbs union Type and enums.
    private const byte TypeInt = 2, TypeFloatingPoint = 3, TypeUtf8 = 5, TypeBool = 6, TypeList = 12, TypeFixedSizeList = 16;
    private const short PrecisionSingle = 1, PrecisionDouble = 2;
    private const short MetadataVersionV5 = 4;
    private const byte MessageHeaderSchema = 1;

    public static string Base64(ParquetSchema schema) => Convert.ToBase64String(Serialize(schema));

    public static byte[] Serialize(ParquetSchema schema)
    {
        var fields = new Table[schema.Columns.Count];
        for (int i = 0; i < fields.Length; i++) fields[i] = FieldOf(schema.Columns[i]);

        var schemaTable = new Table(
            Scalar.Short(0),                 // endianness: Little
            new TableVectorRef(fields));     // fields
        var message = new Table(
            Scalar.Short(MetadataVersionV5), // version
            Scalar.UByte(MessageHeaderSchema), // header_type
            new TableRef(schemaTable),       // header
            Scalar.Long(0));                 // bodyLength: a schema message has no body

        byte[] flatbuffer = new FlatBufferWriter().Finish(message); // padded to 8
        var encapsulated = new byte[8 + flatbuffer.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(encapsulated, 0xFFFFFFFF); // continuation marker
        BinaryPrimitives.WriteInt32LittleEndian(encapsulated.AsSpan(4), flatbuffer.Length);
        flatbuffer.CopyTo(encapsulated, 8);
        return encapsulated;
    }

    private static Table FieldOf(ParquetColumn column) => column.Type switch
    {
        ParquetColumnType.String => Field(column.Name, column.Optional, TypeUtf8, new Table()),
        ParquetColumnType.Int32 => Field(column.Name, column.Optional, TypeInt, new Table(Scalar.Int(32), Scalar.Bool(true))),
        ParquetColumnType.Boolean => Field(column.Name, column.Optional, TypeBool, new Table()),
        ParquetColumnType.Int64 => Field(column.Name, column.Optional, TypeInt, new Table(Scalar.Int(64), Scalar.Bool(true))),
        ParquetColumnType.Double => Field(column.Name, column.Optional, TypeFloatingPoint, new Table(Scalar.Short(PrecisionDouble))),
        ParquetColumnType.FloatVector => Field(
            column.Name, nullable: false,
            column.VectorType == VectorType.Fixed ? TypeFixedSizeList : TypeList,
            column.VectorType == VectorType.Fixed ? new Table(Scalar.Int(column.Dimension)) : new Table(),
            // The child is named as the Parquet leaf is ("element"), as pyarrow writes it.
            Field("element", nullable: false, TypeFloatingPoint, new Table(Scalar.Short(PrecisionSingle)))),
        _ => throw new ArgumentOutOfRangeException(nameof(column)),
    };

    private static Table Field(string name, bool nullable, byte typeType, Table type, params Table[] children) => new(
        new StringRef(name),           // name
        Scalar.Bool(nullable),         // nullable
        Scalar.UByte(typeType),        // type_type
        new TableRef(type),            // type
        null,                          // dictionary
        new TableVectorRef(children)); // children: always present, empty for primitives (Arrow C++ requires it)
}
