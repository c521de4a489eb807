using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Clustering.Parquet;

/// <summary>
/// A growable byte buffer that is reused across pages and row groups, so encoding a page allocates nothing
/// once the buffer has reached its working size.
/// </summary>
internal sealed class ByteBuffer
{
    private byte[] _data;
    private int _length;

    public ByteBuffer(int initialCapacity = 256) => _data = new byte[Math.Max(16, initialCapacity)];

    public int Length => _length;
    public ReadOnlySpan<byte> Span => _data.AsSpan(0, _length);
    public ReadOnlyMemory<byte> Memory => _data.AsMemory(0, _length);
    public byte[] RawArray => _data;

    public void Clear() => _length = 0;

    /// <summary>A span of <paramref name="size"/> bytes at the end, counted as written.</summary>
    public Span<byte> Append(int size)
    {
        EnsureCapacity(_length + size);
        var span = _data.AsSpan(_length, size);
        _length += size;
        return span;
    }

    /// <summary>Free space at the end for a writer that reports how much it used through <see cref="Advance"/>.</summary>
    public Span<byte> GetFree(int atLeast)
    {
        EnsureCapacity(_length + atLeast);
        return _data.AsSpan(_length);
    }

    public void Advance(int count) => _length += count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value)
    {
        if (_length == _data.Length) Grow(_length + 1);
        _data[_length++] = value;
    }

    public void Write(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Append(bytes.Length));

    public void WriteInt32LittleEndian(int value) => BinaryPrimitives.WriteInt32LittleEndian(Append(4), value);

    public void SetByte(int position, byte value) => _data[position] = value;

    public void SetInt32LittleEndian(int position, int value) =>
        BinaryPrimitives.WriteInt32LittleEndian(_data.AsSpan(position, 4), value);

    /// <summary>Unsigned LEB128 varint, as Thrift compact and the RLE hybrid use.</summary>
    public void WriteVarUInt64(ulong value)
    {
        while (value >= 0x80)
        {
            WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        WriteByte((byte)value);
    }

    public void EnsureCapacity(int capacity)
    {
        if (capacity > _data.Length) Grow(capacity);
    }

    private void Grow(int capacity)
    {
        long next = Math.Max((long)_data.Length * 2, capacity);
        if (next > Array.MaxLength) next = Math.Max(capacity, Array.MaxLength);
        Array.Resize(ref _data, (int)next);
    }
}
