using System.Runtime.CompilerServices;

namespace Clustering.Inference.Cuda.Native;

/// <summary>
/// A CUtensorMap: the 128-byte description of a global-memory tensor that Hopper's TMA copies tiles of (tma.cuh). Made
/// on the host by cuTensorMapEncodeTiled and passed to a kernel by value, as any other launch argument.
/// </summary>
[InlineArray(16)]
public struct TensorMap
{
    private ulong _element;

    // The driver's enumerations, as cuda.h numbers them.
    private const int DataTypeBFloat16 = 9, InterleaveNone = 0, Swizzle128B = 3, L2Promotion256B = 3, OutOfBoundsZeros = 0;

    /// <summary>
    /// A bf16 matrix of <paramref name="rows"/> rows of <paramref name="columns"/> elements, <paramref name="rowStride"/>
    /// elements apart, at <paramref name="address"/>, read in boxes of 64 columns (128 bytes, one swizzle row) by
    /// <paramref name="boxRows"/> rows, stored 128-byte-swizzled (the layout wgmma's descriptors read). Rows past the
    /// last arrive as zeros, so a map's rows must be those of the batch, never more than were allocated.
    /// </summary>
    public static unsafe TensorMap Rows(DevicePtr address, int rows, int columns, int rowStride, int boxRows)
    {
        if (address.Address % 16 != 0 || (long)rowStride * 2 % 16 != 0)
            throw new ArgumentException($"a tensor map needs a 16-byte aligned base ({address}) and row stride ({(long)rowStride * 2} bytes)");
        if (rows <= 0 || columns < 64 || columns > rowStride || boxRows is <= 0 or > 256)
            throw new ArgumentOutOfRangeException(nameof(rows), $"rows {rows}, columns {columns} of stride {rowStride}, box rows {boxRows}: " +
                "positive rows, 64 to stride columns, box rows 1-256");
        // The driver wants the map 64-byte aligned: encode into an aligned scratch and copy it out.
        var scratch = stackalloc byte[128 + 64];
        var aligned = (void*)(((nuint)scratch + 63) & ~(nuint)63);
        var dims = stackalloc ulong[] { (ulong)columns, (ulong)rows };
        var strides = stackalloc ulong[] { (ulong)rowStride * 2 };
        var box = stackalloc uint[] { 64, (uint)boxRows };
        var elementStrides = stackalloc uint[] { 1, 1 };
        Check.Driver(CudaDriver.cuTensorMapEncodeTiled(aligned, DataTypeBFloat16, 2, address.Address, dims, strides, box,
            elementStrides, InterleaveNone, Swizzle128B, L2Promotion256B, OutOfBoundsZeros));
        var map = new TensorMap();
        Unsafe.CopyBlockUnaligned(Unsafe.AsPointer(ref map[0]), aligned, 128);
        return map;
    }
}
