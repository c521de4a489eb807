using System.Buffers.Binary;
using System.Text;

namespace Clustering.Parquet.Arrow;

/// <summary>
/// Just enough of FlatBuffers (google/flatbuffers docs "internals") to write an Arrow IPC schema message:
/// tables of scalars and references, strings, vectors of tables. Objects are laid out front to back: a
/// table's vtable, then the table, then the objects it refers to, so every reference (an unsigned offset
/// from the referring field) points forward. Tables are 8-aligned so 8-byte fields are aligned too.
/// </summary>
internal sealed class FlatBufferWriter
{
    private readonly ByteBuffer _buffer = new(1024);

    /// <summary>A table: <c>Fields[i]</c> is the field in vtable slot i, or null when absent.</summary>
    public sealed class Table(params Field?[] fields)
    {
        public Field?[] Fields { get; } = fields;
    }

    public abstract class Field;

    public sealed class Scalar : Field
    {
        private Scalar(byte[] bytes) => Bytes = bytes;
        public byte[] Bytes { get; }
        public static Scalar Bool(bool v) => new([v ? (byte)1 : (byte)0]);
        public static Scalar UByte(byte v) => new([v]);
        public static Scalar Short(short v) { var b = new byte[2]; BinaryPrimitives.WriteInt16LittleEndian(b, v); return new(b); }
        public static Scalar Int(int v) { var b = new byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, v); return new(b); }
        public static Scalar Long(long v) { var b = new byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, v); return new(b); }
    }

    public sealed class TableRef(Table table) : Field { public Table Table { get; } = table; }

    public sealed class StringRef(string value) : Field { public string Value { get; } = value; }

    public sealed class TableVectorRef(params Table[] items) : Field { public Table[] Items { get; } = items; }

    /// <summary>The finished buffer with <paramref name="root"/> as its root table.</summary>
    public byte[] Finish(Table root)
    {
        _buffer.Clear();
        _buffer.Append(4); // root offset, patched below
        int rootPosition = WriteTable(root);
        PatchOffset(0, rootPosition);
        Align(8);
        return _buffer.Span.ToArray();
    }

    private int WriteTable(Table table)
    {
        var fields = table.Fields;
        // Inline layout: the soffset to the vtable, then fields largest first so each is naturally aligned.
        var fieldOffsets = new int[fields.Length];
        int inlineSize = 4;
        foreach (int size in new[] { 8, 4, 2, 1 })
        {
            for (int i = 0; i < fields.Length; i++)
            {
                if (fields[i] is null || InlineSize(fields[i]!) != size) continue;
                inlineSize = (inlineSize + size - 1) / size * size;
                fieldOffsets[i] = inlineSize;
                inlineSize += size;
            }
        }

        // The vtable goes first, so the table's soffset (table - vtable) is positive.
        Align(2);
        int vtablePosition = _buffer.Length;
        WriteUInt16((ushort)(4 + 2 * fields.Length));
        WriteUInt16((ushort)inlineSize);
        foreach (int offset in fieldOffsets) WriteUInt16((ushort)offset);

        Align(8);
        int tablePosition = _buffer.Length;
        var inline = _buffer.Append(inlineSize);
        inline.Clear();
        BinaryPrimitives.WriteInt32LittleEndian(inline, tablePosition - vtablePosition);
        for (int i = 0; i < fields.Length; i++)
        {
            if (fields[i] is Scalar scalar) scalar.Bytes.CopyTo(_buffer.RawArray.AsSpan(tablePosition + fieldOffsets[i]));
        }
        for (int i = 0; i < fields.Length; i++)
        {
            int fieldPosition = tablePosition + fieldOffsets[i];
            switch (fields[i])
            {
                case TableRef t: PatchOffset(fieldPosition, WriteTable(t.Table)); break;
                case StringRef s: PatchOffset(fieldPosition, WriteString(s.Value)); break;
                case TableVectorRef v: PatchOffset(fieldPosition, WriteTableVector(v.Items)); break;
            }
        }
        return tablePosition;
    }

    private int WriteString(string value)
    {
        Align(4);
        int position = _buffer.Length;
        int length = Encoding.UTF8.GetByteCount(value);
        _buffer.WriteInt32LittleEndian(length);
        Encoding.UTF8.GetBytes(value, _buffer.Append(length));
        _buffer.WriteByte(0); // strings are zero-terminated
        return position;
    }

    private int WriteTableVector(Table[] items)
    {
        Align(4);
        int position = _buffer.Length;
        _buffer.WriteInt32LittleEndian(items.Length);
        int first = _buffer.Length;
        _buffer.Append(4 * items.Length);
        for (int i = 0; i < items.Length; i++) PatchOffset(first + 4 * i, WriteTable(items[i]));
        return position;
    }

    private static int InlineSize(Field field) => field is Scalar s ? s.Bytes.Length : 4;

    private void PatchOffset(int at, int target) => _buffer.SetInt32LittleEndian(at, target - at);

    private void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(_buffer.Append(2), value);

    private void Align(int alignment)
    {
        while (_buffer.Length % alignment != 0) _buffer.WriteByte(0);
    }
}
