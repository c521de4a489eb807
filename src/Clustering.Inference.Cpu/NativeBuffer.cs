using System.Runtime.InteropServices;

namespace Clustering.Inference.Cpu;

/// <summary>64-byte aligned, zeroed float memory outside the GC heap (kernels use raw pointers; no pinning, no moves).</summary>
internal sealed unsafe class NativeBuffer : IDisposable
{
    public float* Pointer { get; private set; }
    public long Length { get; }

    public NativeBuffer(long length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        Length = length;
        var bytes = checked((nuint)length * sizeof(float));
        Pointer = (float*)NativeMemory.AlignedAlloc(bytes, 64);
        if (Pointer == null) throw new OutOfMemoryException($"cannot allocate {bytes} bytes of CPU tensor memory");
        NativeMemory.Clear(Pointer, bytes);
    }

    public Span<float> Span => Length <= int.MaxValue
        ? new Span<float>(Pointer, (int)Length)
        : throw new InvalidOperationException("buffer too large for a span");

    public void Dispose()
    {
        if (Pointer != null) NativeMemory.AlignedFree(Pointer);
        Pointer = null;
    }
}
