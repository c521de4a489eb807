using System.Text;

namespace Clustering.Parquet.Thrift;

/// <summary>
/// Writes the Thrift compact protocol (thrift/doc/specs/thrift-compact-protocol.md), the encoding of every
/// Parquet footer and page header. Only what Parquet needs: structs, i8/i16/i32/i64, bool, binary, lists.
/// Field ids are written as deltas from the previous field of the same struct, so fields must be written
/// in increasing id order, which the callers do by following parquet.thrift's numbering.
/// </summary>
internal sealed class ThriftCompactWriter
{
    // Compact protocol type nibbles.
    public const byte BooleanTrue = 1, BooleanFalse = 2, Byte = 3, I16 = 4, I32 = 5, I64 = 6, Double = 7,
        Binary = 8, List = 9, Set = 10, Map = 11, Struct = 12;

    private const int MaxDepth = 32;
    private readonly short[] _lastFieldIds = new short[MaxDepth]; // one per open struct
    private int _depth;
    private short _lastFieldId;

    public ThriftCompactWriter(ByteBuffer output) => Output = output;

    public ByteBuffer Output { get; }

    public void StructBegin()
    {
        if (_depth == MaxDepth) throw new InvalidOperationException("Thrift structs nested too deeply.");
        _lastFieldIds[_depth++] = _lastFieldId;
        _lastFieldId = 0;
    }

    public void StructEnd()
    {
        Output.WriteByte(0); // field stop
        _lastFieldId = _lastFieldIds[--_depth];
    }

    public void FieldI32(short id, int value)
    {
        FieldHeader(id, I32);
        Output.WriteVarUInt64(ZigZag(value));
    }

    public void FieldI64(short id, long value)
    {
        FieldHeader(id, I64);
        Output.WriteVarUInt64(ZigZag(value));
    }

    public void FieldI8(short id, sbyte value)
    {
        FieldHeader(id, Byte);
        Output.WriteByte((byte)value);
    }

    /// <summary>Booleans carry their value in the type nibble of the field header.</summary>
    public void FieldBool(short id, bool value) => FieldHeader(id, value ? BooleanTrue : BooleanFalse);

    public void FieldBinary(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, Binary);
        WriteBinary(value);
    }

    public void FieldString(short id, string value)
    {
        FieldHeader(id, Binary);
        WriteString(value);
    }

    /// <summary>Opens a nested struct field; close it with <see cref="StructEnd"/>.</summary>
    public void FieldStructBegin(short id)
    {
        FieldHeader(id, Struct);
        StructBegin();
    }

    /// <summary>An empty struct field, as the members of Thrift unions such as LogicalType.STRING are.</summary>
    public void FieldEmptyStruct(short id)
    {
        FieldStructBegin(id);
        StructEnd();
    }

    /// <summary>Opens a list field; write <paramref name="count"/> elements of <paramref name="elementType"/> after it.</summary>
    public void FieldListBegin(short id, byte elementType, int count)
    {
        FieldHeader(id, List);
        ListHeader(elementType, count);
    }

    public void ElementI32(int value) => Output.WriteVarUInt64(ZigZag(value));

    public void ElementString(string value) => WriteString(value);

    private void ListHeader(byte elementType, int count)
    {
        if (count < 15)
        {
            Output.WriteByte((byte)((count << 4) | elementType));
        }
        else
        {
            Output.WriteByte((byte)(0xF0 | elementType));
            Output.WriteVarUInt64((uint)count);
        }
    }

    private void FieldHeader(short id, byte type)
    {
        int delta = id - _lastFieldId;
        if (delta is > 0 and <= 15)
        {
            Output.WriteByte((byte)((delta << 4) | type));
        }
        else
        {
            Output.WriteByte(type);
            Output.WriteVarUInt64(ZigZag(id));
        }
        _lastFieldId = id;
    }

    private void WriteBinary(ReadOnlySpan<byte> value)
    {
        Output.WriteVarUInt64((uint)value.Length);
        Output.Write(value);
    }

    private void WriteString(string value)
    {
        int byteCount = Encoding.UTF8.GetByteCount(value);
        Output.WriteVarUInt64((uint)byteCount);
        Encoding.UTF8.GetBytes(value, Output.Append(byteCount));
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));
}
