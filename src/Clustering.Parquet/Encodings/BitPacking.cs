namespace Clustering.Parquet.Encodings;

/// <summary>Parquet's bit-packing: values packed LSB first, the first value in the lowest bits of the first byte.</summary>
internal static class BitPacking
{
    /// <summary>Packs 8 values of <paramref name="bitWidth"/> bits into exactly <paramref name="bitWidth"/> bytes.</summary>
    public static void Pack8(ReadOnlySpan<int> values, int bitWidth, Span<byte> output)
    {
        ulong accumulator = 0;
        int bits = 0;
        int o = 0;
        ulong mask = bitWidth == 32 ? uint.MaxValue : (1UL << bitWidth) - 1;
        for (int i = 0; i < 8; i++)
        {
            accumulator |= ((ulong)(uint)values[i] & mask) << bits;
            bits += bitWidth;
            while (bits >= 8)
            {
                output[o++] = (byte)accumulator;
                accumulator >>= 8;
                bits -= 8;
            }
        }
    }

    /// <summary>Bits needed to store values 0..<paramref name="maxValue"/>.</summary>
    public static int BitWidth(int maxValue) => maxValue <= 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)maxValue);
}
