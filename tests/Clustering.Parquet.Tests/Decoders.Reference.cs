using System.Buffers.Binary;

namespace Clustering.Parquet.Tests;

/// <summary>
/// Plain decoders written from the specs (Encodings.md, Snappy format_description.txt), used only to check
/// our encoders over many shapes; the readers in the read-back tests are the independent oracle for files.
/// </summary>
internal static class ReferenceDecoders
{
    public static int[] DecodeRleHybrid(ReadOnlySpan<byte> data, int bitWidth, int count)
    {
        var values = new List<int>(count);
        int pos = 0;
        while (values.Count < count)
        {
            ulong header = ReadVarint(data, ref pos);
            if ((header & 1) == 0)
            {
                int runLength = (int)(header >> 1);
                int value = 0;
                for (int i = 0; i < (bitWidth + 7) / 8; i++) value |= data[pos++] << (8 * i);
                for (int i = 0; i < runLength; i++) values.Add(value);
            }
            else
            {
                int groups = (int)(header >> 1);
                long bitPos = (long)pos * 8;
                for (int i = 0; i < groups * 8; i++)
                {
                    int value = 0;
                    for (int b = 0; b < bitWidth; b++, bitPos++)
                    {
                        if ((data[(int)(bitPos >> 3)] >> (int)(bitPos & 7) & 1) != 0) value |= 1 << b;
                    }
                    values.Add(value);
                }
                pos += groups * bitWidth;
            }
        }
        return values.Take(count).ToArray();
    }

    public static byte[] DecodeSnappy(ReadOnlySpan<byte> data)
    {
        int pos = 0;
        int length = (int)ReadVarint(data, ref pos);
        var output = new byte[length];
        int o = 0;
        while (pos < data.Length)
        {
            byte tag = data[pos++];
            switch (tag & 3)
            {
                case 0:
                    int n = tag >> 2;
                    if (n >= 60)
                    {
                        int bytes = n - 59;
                        n = 0;
                        for (int i = 0; i < bytes; i++) n |= data[pos++] << (8 * i);
                    }
                    n++;
                    data.Slice(pos, n).CopyTo(output.AsSpan(o));
                    pos += n;
                    o += n;
                    break;
                case 1:
                {
                    int len = ((tag >> 2) & 7) + 4;
                    int offset = ((tag >> 5) << 8) | data[pos++];
                    Copy(output, ref o, offset, len);
                    break;
                }
                case 2:
                {
                    int len = (tag >> 2) + 1;
                    int offset = BinaryPrimitives.ReadUInt16LittleEndian(data[pos..]);
                    pos += 2;
                    Copy(output, ref o, offset, len);
                    break;
                }
                default:
                {
                    int len = (tag >> 2) + 1;
                    int offset = BinaryPrimitives.ReadInt32LittleEndian(data[pos..]);
                    pos += 4;
                    Copy(output, ref o, offset, len);
                    break;
                }
            }
        }
        if (o != length) throw new InvalidDataException($"snappy: {o} bytes decoded, header says {length}");
        return output;
    }

    private static void Copy(byte[] output, ref int o, int offset, int length)
    {
        if (offset == 0 || offset > o) throw new InvalidDataException($"snappy: bad offset {offset} at {o}");
        for (int i = 0; i < length; i++, o++) output[o] = output[o - offset];
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }
}
