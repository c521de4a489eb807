using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Clustering.Models;

/// <summary>
/// bf16 / f16 → f32 widening over spans, vectorised with <see cref="Vector{T}"/> (the width the JIT picks),
/// with a scalar tail. Exact: every one of the 65,536 bit patterns of each type gives the same float32 as
/// <see cref="Float32WideningReference"/> (NaN stays NaN with its sign; subnormals and infinities included).
/// Sources may be unaligned (safetensors offsets need not be multiples of the element size), so loads go
/// through <see cref="Unsafe.ReadUnaligned{T}(ref readonly byte)"/>. Little-endian hosts only (x64, arm64).
/// </summary>
internal static class Float32Widening
{
    /// <summary>destination.Length elements from source (2 bytes each, little-endian bf16).</summary>
    public static void BFloat16ToSingle(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int count = destination.Length;
        if (source.Length < 2L * count) throw new ArgumentException("source holds fewer elements than destination", nameof(source));
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref uint dst = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int step = Vector<ushort>.Count; // halves widened per iteration
            for (; i <= count - step; i += step)
            {
                var halves = Unsafe.ReadUnaligned<Vector<ushort>>(ref Unsafe.Add(ref src, 2 * i));
                Vector.Widen(halves, out Vector<uint> low, out Vector<uint> high);
                Unsafe.WriteUnaligned(ref Unsafe.As<uint, byte>(ref Unsafe.Add(ref dst, i)), Vector.ShiftLeft(low, 16));
                Unsafe.WriteUnaligned(ref Unsafe.As<uint, byte>(ref Unsafe.Add(ref dst, i + step / 2)), Vector.ShiftLeft(high, 16));
            }
        }
        for (; i < count; i++)
            Unsafe.Add(ref dst, i) = (uint)Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref src, 2 * i)) << 16;
    }

    /// <summary>destination.Length elements from source (2 bytes each, little-endian IEEE f16).</summary>
    public static void HalfToSingle(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int count = destination.Length;
        if (source.Length < 2L * count) throw new ArgumentException("source holds fewer elements than destination", nameof(source));
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref uint dst = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int step = Vector<ushort>.Count;
            for (; i <= count - step; i += step)
            {
                var halves = Unsafe.ReadUnaligned<Vector<ushort>>(ref Unsafe.Add(ref src, 2 * i));
                Vector.Widen(halves, out Vector<uint> low, out Vector<uint> high);
                Unsafe.WriteUnaligned(ref Unsafe.As<uint, byte>(ref Unsafe.Add(ref dst, i)), HalfBitsToSingleBits(low));
                Unsafe.WriteUnaligned(ref Unsafe.As<uint, byte>(ref Unsafe.Add(ref dst, i + step / 2)), HalfBitsToSingleBits(high));
            }
        }
        for (; i < count; i++)
            Unsafe.Add(ref dst, i) = HalfBitsToSingleBits(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref src, 2 * i)));
    }

    // The exponent-rebias trick (F. Giesen, "half_to_float_fast5"), branch-free so it vectorises:
    // shift exponent+mantissa into float position and add (127 - 15) to the exponent; infinities/NaNs get
    // another (128 - 16) so their exponent is all ones; zeros/subnormals are renormalised by subtracting 2^-14
    // in float arithmetic (exact, since the result is representable).
    private const uint ShiftedExponent = 0x7C00u << 13;
    private const uint ExponentAdjust = (127 - 15) << 23;
    private const uint InfNanAdjust = (128 - 16) << 23;
    private const uint Magic = 113u << 23; // the float 2^-14

    private static uint HalfBitsToSingleBits(uint half)
    {
        uint bits = (half & 0x7FFF) << 13;
        uint exponent = bits & ShiftedExponent;
        bits += ExponentAdjust;
        if (exponent == ShiftedExponent) bits += InfNanAdjust;
        else if (exponent == 0)
        {
            bits += 1u << 23;
            bits = BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(bits) - BitConverter.UInt32BitsToSingle(Magic));
        }
        return bits | ((half & 0x8000) << 16);
    }

    private static Vector<uint> HalfBitsToSingleBits(Vector<uint> half)
    {
        var bits = Vector.ShiftLeft(half & new Vector<uint>(0x7FFF), 13);
        var exponent = bits & new Vector<uint>(ShiftedExponent);
        bits += new Vector<uint>(ExponentAdjust);
        var infNan = Vector.Equals(exponent, new Vector<uint>(ShiftedExponent));
        var small = Vector.Equals(exponent, Vector<uint>.Zero);
        bits += infNan & new Vector<uint>(InfNanAdjust);
        var renormalised = Vector.AsVectorUInt32(
            Vector.AsVectorSingle(bits + new Vector<uint>(1u << 23)) - Vector.AsVectorSingle(new Vector<uint>(Magic)));
        bits = Vector.ConditionalSelect(small, renormalised, bits);
        return bits | Vector.ShiftLeft(half & new Vector<uint>(0x8000), 16);
    }
}
