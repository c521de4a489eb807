using Clustering.Parquet.Thrift;

namespace Clustering.Parquet.Format;

/// <summary>Writes parquet.thrift FileMetaData: schema, row groups, key-value metadata, created_by, column orders.</summary>
internal static class FooterWriter
{
    public static void Write(ThriftCompactWriter w, ParquetSchema schema, IReadOnlyList<RowGroupMetadata> rowGroups,
        IReadOnlyList<KeyValuePair<string, string>> keyValues, string createdBy, ParquetPageVersion pageVersion)
    {
        long rows = 0;
        foreach (var group in rowGroups) rows += group.NumRows;

        w.StructBegin();
        w.FieldI32(1, pageVersion == ParquetPageVersion.V2 ? 2 : 1); // version
        WriteSchema(w, schema);
        w.FieldI64(3, rows);
        w.FieldListBegin(4, ThriftCompactWriter.Struct, rowGroups.Count);
        foreach (var group in rowGroups) WriteRowGroup(w, group);
        if (keyValues.Count > 0)
        {
            w.FieldListBegin(5, ThriftCompactWriter.Struct, keyValues.Count);
            foreach (var (key, value) in keyValues)
            {
                w.StructBegin();
                w.FieldString(1, key);
                w.FieldString(2, value);
                w.StructEnd();
            }
        }
        w.FieldString(6, createdBy);
        // column_orders: TYPE_ORDER for every leaf, which tells readers min_value/max_value are trustworthy
        // (strings compared as unsigned bytes, floats by value with the NaN and zero rules we follow).
        w.FieldListBegin(7, ThriftCompactWriter.Struct, schema.Columns.Count);
        for (int i = 0; i < schema.Columns.Count; i++)
        {
            w.StructBegin();
            w.FieldEmptyStruct(1); // TypeDefinedOrder
            w.StructEnd();
        }
        w.StructEnd();
    }

    private static int SchemaElementCount(ParquetSchema schema)
    {
        int count = 1; // the root
        foreach (var column in schema.Columns) count += column.Type == ParquetColumnType.FloatVector ? 3 : 1;
        return count;
    }

    private static void WriteSchema(ThriftCompactWriter w, ParquetSchema schema)
    {
        w.FieldListBegin(2, ThriftCompactWriter.Struct, SchemaElementCount(schema));
        w.StructBegin();
        w.FieldString(4, "schema");
        w.FieldI32(5, schema.Columns.Count);
        w.StructEnd();
        foreach (var column in schema.Columns)
        {
            var repetition = column.Optional ? FieldRepetition.Optional : FieldRepetition.Required;
            switch (column.Type)
            {
                case ParquetColumnType.String:
                    w.StructBegin();
                    w.FieldI32(1, (int)PhysicalType.ByteArray);
                    w.FieldI32(3, (int)repetition);
                    w.FieldString(4, column.Name);
                    w.FieldI32(6, (int)ConvertedType.Utf8);
                    w.FieldStructBegin(10); // logicalType
                    w.FieldEmptyStruct(1);  // STRING
                    w.StructEnd();
                    w.StructEnd();
                    break;
                case ParquetColumnType.Int32:
                    w.StructBegin();
                    w.FieldI32(1, (int)PhysicalType.Int32);
                    w.FieldI32(3, (int)repetition);
                    w.FieldString(4, column.Name);
                    w.FieldI32(6, (int)ConvertedType.Int32);
                    w.FieldStructBegin(10); // logicalType
                    w.FieldStructBegin(10); // INTEGER
                    w.FieldI8(1, 32);       // bitWidth
                    w.FieldBool(2, true);   // isSigned
                    w.StructEnd();
                    w.StructEnd();
                    w.StructEnd();
                    break;
                case ParquetColumnType.Boolean:
                    w.StructBegin();
                    w.FieldI32(1, (int)PhysicalType.Boolean);
                    w.FieldI32(3, (int)repetition);
                    w.FieldString(4, column.Name);
                    w.StructEnd();
                    break;
                case ParquetColumnType.Int64:
                    w.StructBegin();
                    w.FieldI32(1, (int)PhysicalType.Int64);
                    w.FieldI32(3, (int)repetition);
                    w.FieldString(4, column.Name);
                    w.FieldI32(6, (int)ConvertedType.Int64);
                    w.FieldStructBegin(10); // logicalType
                    w.FieldStructBegin(10); // INTEGER
                    w.FieldI8(1, 64);       // bitWidth
                    w.FieldBool(2, true);   // isSigned
                    w.StructEnd();
                    w.StructEnd();
                    w.StructEnd();
                    break;
                case ParquetColumnType.Double:
                    w.StructBegin();
                    w.FieldI32(1, (int)PhysicalType.Double);
                    w.FieldI32(3, (int)repetition);
                    w.FieldString(4, column.Name);
                    w.StructEnd();
                    break;
                case ParquetColumnType.FloatVector:
                    // The standard 3-level list of LogicalTypes.md: <name> (LIST) / repeated group list / element.
                    w.StructBegin();
                    w.FieldI32(3, (int)FieldRepetition.Required);
                    w.FieldString(4, column.Name);
                    w.FieldI32(5, 1);
                    w.FieldI32(6, (int)ConvertedType.List);
                    w.FieldStructBegin(10); // logicalType
                    w.FieldEmptyStruct(3);  // LIST
                    w.StructEnd();
                    w.StructEnd();

                    w.StructBegin();
                    w.FieldI32(3, (int)FieldRepetition.Repeated);
                    w.FieldString(4, "list");
                    w.FieldI32(5, 1);
                    w.StructEnd();

                    w.StructBegin();
                    w.FieldI32(1, (int)PhysicalType.Float);
                    w.FieldI32(3, (int)FieldRepetition.Required);
                    w.FieldString(4, "element");
                    w.StructEnd();
                    break;
            }
        }
    }

    private static void WriteRowGroup(ThriftCompactWriter w, RowGroupMetadata group)
    {
        w.StructBegin();
        w.FieldListBegin(1, ThriftCompactWriter.Struct, group.Columns.Length);
        foreach (var chunk in group.Columns) WriteColumnChunk(w, chunk);
        w.FieldI64(2, group.TotalByteSize);
        w.FieldI64(3, group.NumRows);
        w.FieldI64(5, group.FileOffset);
        w.FieldI64(6, group.TotalCompressedSize);
        w.StructEnd();
    }

    private static void WriteColumnChunk(ThriftCompactWriter w, ColumnChunkMetadata chunk)
    {
        var column = chunk.Column.Column;
        w.StructBegin();
        w.FieldI64(2, chunk.ChunkOffset); // file_offset (deprecated): where the chunk starts
        w.FieldStructBegin(3);            // meta_data
        w.FieldI32(1, (int)chunk.Column.PhysicalType);

        int encodings = 1 + (chunk.HasLevels ? 1 : 0) + (chunk.UsesDictionary ? 1 : 0);
        w.FieldListBegin(2, ThriftCompactWriter.I32, encodings);
        w.ElementI32((int)PageEncoding.Plain); // values, or the dictionary page
        if (chunk.HasLevels) w.ElementI32((int)PageEncoding.Rle);
        if (chunk.UsesDictionary) w.ElementI32((int)PageEncoding.RleDictionary);

        bool vector = column.Type == ParquetColumnType.FloatVector;
        w.FieldListBegin(3, ThriftCompactWriter.Binary, vector ? 3 : 1);
        w.ElementString(column.Name);
        if (vector)
        {
            w.ElementString("list");
            w.ElementString("element");
        }
        w.FieldI32(4, (int)chunk.Codec);
        w.FieldI64(5, chunk.NumValues);
        w.FieldI64(6, chunk.TotalUncompressedSize);
        w.FieldI64(7, chunk.TotalCompressedSize);
        w.FieldI64(9, chunk.DataPageOffset);
        if (chunk.DictionaryPageOffset is { } dictionaryOffset) w.FieldI64(11, dictionaryOffset);

        w.FieldStructBegin(12); // statistics
        w.FieldI64(3, chunk.NullCount);
        if (chunk.Min is not null && chunk.Max is not null)
        {
            w.FieldBinary(5, chunk.Max); // max_value
            w.FieldBinary(6, chunk.Min); // min_value
        }
        w.StructEnd();

        w.StructEnd(); // meta_data
        w.StructEnd();
    }
}
