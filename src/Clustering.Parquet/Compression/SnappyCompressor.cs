using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Clustering.Parquet.Compression;

/// <summary>
/// A Snappy compressor (google/snappy format_description.txt): the uncompressed length as a varint, then
/// literals and back-references. Input is cut into independent 64 KiB blocks so every copy offset fits the
/// 2-byte form. The match finder is the classic one of the reference implementation: a hash table of the
/// last position of each 4-byte sequence, with lookups spaced further apart the longer no match is found,
/// so incompressible input (such as float vectors) costs little time.
/// </summary>
internal sealed class SnappyCompressor : IPageCompressor
{
    private const int BlockSize = 1 << 16;
    private const int InputMargin = 16 - 1;
    private const int MinNonLiteralBlockSize = 1 + 1 + InputMargin;
    private const int MaxTableSize = 1 << 14;
    private const byte TagLiteral = 0, TagCopy1 = 1, TagCopy2 = 2;

    private readonly ushort[] _table = new ushort[MaxTableSize];

    public CompressionCodec Codec => CompressionCodec.Snappy;

    /// <summary>The worst case of the format: a literal header every 60 bytes or so.</summary>
    public static int MaxCompressedLength(int sourceLength) => 32 + sourceLength + sourceLength / 6;

    public void Compress(ReadOnlySpan<byte> source, ByteBuffer destination)
    {
        destination.WriteVarUInt64((uint)source.Length);
        Span<byte> output = destination.GetFree(MaxCompressedLength(source.Length));
        int written = 0;
        for (int start = 0; start < source.Length; start += BlockSize)
        {
            var block = source.Slice(start, Math.Min(BlockSize, source.Length - start));
            written += block.Length < MinNonLiteralBlockSize
                ? EmitLiteral(output[written..], block)
                : EncodeBlock(output[written..], block);
        }
        destination.Advance(written);
    }

    private int EncodeBlock(Span<byte> dst, ReadOnlySpan<byte> src)
    {
        int shift = 32 - 8;
        for (int tableSize = 1 << 8; tableSize < MaxTableSize && tableSize < src.Length; tableSize *= 2) shift--;
        int tableMask = (1 << (32 - shift)) - 1;
        Array.Clear(_table, 0, tableMask + 1);

        int d = 0;
        int sLimit = src.Length - InputMargin;
        int nextEmit = 0;
        int s = 1;
        uint nextHash = Hash(Load32(src, s), shift);
        while (true)
        {
            int skip = 32;
            int nextS = s;
            int candidate;
            while (true)
            {
                s = nextS;
                int bytesBetweenHashLookups = skip >> 5;
                nextS = s + bytesBetweenHashLookups;
                skip += bytesBetweenHashLookups;
                if (nextS > sLimit) goto EmitRemainder;
                candidate = _table[nextHash & tableMask];
                _table[nextHash & tableMask] = (ushort)s;
                nextHash = Hash(Load32(src, nextS), shift);
                if (Load32(src, s) == Load32(src, candidate)) break;
            }

            d += EmitLiteral(dst[d..], src[nextEmit..s]);

            // A match: extend it, emit the copy, and look for another match right after it.
            while (true)
            {
                int matchStart = s;
                s += 4;
                for (int i = candidate + 4; s < src.Length && src[i] == src[s]; i++, s++) { }
                d += EmitCopy(dst[d..], matchStart - candidate, s - matchStart);
                nextEmit = s;
                if (s >= sLimit) goto EmitRemainder;

                ulong x = BinaryPrimitives.ReadUInt64LittleEndian(src[(s - 1)..]);
                uint prevHash = Hash((uint)x, shift);
                _table[prevHash & tableMask] = (ushort)(s - 1);
                uint currHash = Hash((uint)(x >> 8), shift);
                candidate = _table[currHash & tableMask];
                _table[currHash & tableMask] = (ushort)s;
                if ((uint)(x >> 8) != Load32(src, candidate))
                {
                    nextHash = Hash((uint)(x >> 16), shift);
                    s++;
                    break;
                }
            }
        }

    EmitRemainder:
        if (nextEmit < src.Length) d += EmitLiteral(dst[d..], src[nextEmit..]);
        return d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Load32(ReadOnlySpan<byte> src, int index) => BinaryPrimitives.ReadUInt32LittleEndian(src[index..]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(uint value, int shift) => (value * 0x1e35a7bdu) >> shift;

    private static int EmitLiteral(Span<byte> dst, ReadOnlySpan<byte> literal)
    {
        int n = literal.Length - 1;
        int i;
        if (n < 60)
        {
            dst[0] = (byte)((n << 2) | TagLiteral);
            i = 1;
        }
        else if (n < 1 << 8)
        {
            dst[0] = (60 << 2) | TagLiteral;
            dst[1] = (byte)n;
            i = 2;
        }
        else
        {
            // Blocks are at most 64 KiB, so two length bytes always suffice.
            dst[0] = (61 << 2) | TagLiteral;
            dst[1] = (byte)n;
            dst[2] = (byte)(n >> 8);
            i = 3;
        }
        literal.CopyTo(dst[i..]);
        return i + literal.Length;
    }

    private static int EmitCopy(Span<byte> dst, int offset, int length)
    {
        int i = 0;
        while (length >= 68)
        {
            dst[i] = (63 << 2) | TagCopy2; // a copy of 64
            dst[i + 1] = (byte)offset;
            dst[i + 2] = (byte)(offset >> 8);
            i += 3;
            length -= 64;
        }
        if (length > 64)
        {
            dst[i] = (59 << 2) | TagCopy2; // a copy of 60, leaving at least 4 for the last copy
            dst[i + 1] = (byte)offset;
            dst[i + 2] = (byte)(offset >> 8);
            i += 3;
            length -= 60;
        }
        if (length >= 12 || offset >= 2048)
        {
            dst[i] = (byte)(((length - 1) << 2) | TagCopy2);
            dst[i + 1] = (byte)offset;
            dst[i + 2] = (byte)(offset >> 8);
            return i + 3;
        }
        dst[i] = (byte)(((offset >> 8) << 5) | ((length - 4) << 2) | TagCopy1);
        dst[i + 1] = (byte)offset;
        return i + 2;
    }
}
