using System.Runtime.InteropServices;

namespace Clustering.Inference.Cuda.Native;

/// <summary>
/// One cuMemAlloc block. The handle makes its context current before freeing, so a finalizer on another thread
/// frees it correctly; deterministic Dispose on the owning worker is the normal path.
/// </summary>
public sealed class DeviceMemory : SafeHandle
{
    private readonly IntPtr _context;

    public long Bytes { get; }
    public DevicePtr Pointer => new((ulong)handle);

    internal DeviceMemory(CudaContext context, long bytes) : base(IntPtr.Zero, ownsHandle: true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        _context = context.Handle;
        Check.Driver(CudaDriver.cuMemAlloc(out var pointer, (nuint)bytes));
        SetHandle((IntPtr)pointer);
        Bytes = bytes;
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        CudaDriver.cuCtxSetCurrent(_context);
        return CudaDriver.cuMemFree((ulong)handle) == CuResult.Success;
    }
}

/// <summary>Page-locked host memory (cuMemHostAlloc): the staging buffer that lets copies run asynchronously.</summary>
public sealed unsafe class PinnedHostMemory : SafeHandle
{
    private readonly IntPtr _context;

    public long Bytes { get; }

    public PinnedHostMemory(CudaContext context, long bytes) : base(IntPtr.Zero, ownsHandle: true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        _context = context.Handle;
        Check.Driver(CudaDriver.cuMemHostAlloc(out var pointer, (nuint)bytes, CudaDriver.MemHostAllocPortable));
        SetHandle(pointer);
        Bytes = bytes;
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public void* Pointer => (void*)handle;

    public Span<T> AsSpan<T>() where T : unmanaged => new((void*)handle, checked((int)(Bytes / sizeof(T))));

    protected override bool ReleaseHandle()
    {
        CudaDriver.cuCtxSetCurrent(_context);
        return CudaDriver.cuMemFreeHost(handle) == CuResult.Success;
    }
}
