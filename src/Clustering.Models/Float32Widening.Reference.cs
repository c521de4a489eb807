namespace Clustering.Models;

/// <summary>
/// The spec for <see cref="Float32Widening"/>: one element at a time, through the runtime's own conversions.
/// bf16 is the top half of a float32, so widening is a 16-bit shift; f16 goes through <see cref="Half"/>.
/// </summary>
internal static class Float32WideningReference
{
    public static float BFloat16ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    public static float HalfToSingle(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary>Widens little-endian bf16 elements (2 bytes each) into destination.</summary>
    public static void BFloat16ToSingle(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
            destination[i] = BFloat16ToSingle(System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(2 * i, 2)));
    }

    /// <summary>Widens little-endian f16 elements (2 bytes each) into destination.</summary>
    public static void HalfToSingle(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
            destination[i] = HalfToSingle(System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(2 * i, 2)));
    }
}
