using System.Runtime.InteropServices;

namespace Clustering.Inference.Cuda.Native;

/// <summary>
/// A non-blocking stream and the copies issued on it. Copies from managed spans are safe to return from:
/// the driver stages pageable memory before returning (host → device) and completes device → pageable copies
/// before returning. Copies to and from <see cref="PinnedHostMemory"/> are truly asynchronous: the caller
/// synchronizes before touching the host side.
/// </summary>
public sealed unsafe class CudaStream : SafeHandle
{
    private readonly IntPtr _context;

    internal CudaStream(CudaContext context) : base(IntPtr.Zero, ownsHandle: true)
    {
        _context = context.Handle;
        Check.Driver(CudaDriver.cuStreamCreate(out var stream, CudaDriver.StreamNonBlocking));
        SetHandle(stream);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;
    internal IntPtr Handle => handle;

    public void Synchronize() => Check.Driver(CudaDriver.cuStreamSynchronize(handle));

    public void CopyToDevice<T>(DevicePtr destination, ReadOnlySpan<T> source) where T : unmanaged
    {
        if (source.IsEmpty) return;
        fixed (T* pointer = source)
            Check.Driver(CudaDriver.cuMemcpyHtoDAsync(destination.Address, pointer, (nuint)(source.Length * sizeof(T)), handle));
    }

    public void CopyToHost<T>(Span<T> destination, DevicePtr source) where T : unmanaged
    {
        if (destination.IsEmpty) return;
        fixed (T* pointer = destination)
            Check.Driver(CudaDriver.cuMemcpyDtoHAsync(pointer, source.Address, (nuint)(destination.Length * sizeof(T)), handle));
    }

    /// <summary>Asynchronous copy out of pinned memory: the caller keeps it unchanged until the stream passes this point.</summary>
    public void CopyToDevice(DevicePtr destination, PinnedHostMemory source, long byteOffset, long bytes)
    {
        if (byteOffset < 0 || bytes < 0 || byteOffset + bytes > source.Bytes)
            throw new ArgumentOutOfRangeException(nameof(bytes), $"[{byteOffset}, +{bytes}) is outside the {source.Bytes} pinned bytes");
        Check.Driver(CudaDriver.cuMemcpyHtoDAsync(destination.Address, (byte*)source.Pointer + byteOffset, (nuint)bytes, handle));
    }

    /// <summary>Asynchronous copy into pinned memory: read it after <see cref="Synchronize"/>.</summary>
    public void CopyToHost(PinnedHostMemory destination, long byteOffset, DevicePtr source, long bytes)
    {
        if (byteOffset < 0 || bytes < 0 || byteOffset + bytes > destination.Bytes)
            throw new ArgumentOutOfRangeException(nameof(bytes), $"[{byteOffset}, +{bytes}) is outside the {destination.Bytes} pinned bytes");
        Check.Driver(CudaDriver.cuMemcpyDtoHAsync((byte*)destination.Pointer + byteOffset, source.Address, (nuint)bytes, handle));
    }

    public void CopyDeviceToDevice(DevicePtr destination, DevicePtr source, long bytes) =>
        Check.Driver(CudaDriver.cuMemcpyDtoDAsync(destination.Address, source.Address, (nuint)bytes, handle));

    /// <summary>Fills bytes with one value: tests poison outputs with it so an unwritten element shows.</summary>
    public void Fill(DevicePtr destination, byte value, long bytes) =>
        Check.Driver(CudaDriver.cuMemsetD8Async(destination.Address, value, (nuint)bytes, handle));

    protected override bool ReleaseHandle()
    {
        CudaDriver.cuCtxSetCurrent(_context);
        return CudaDriver.cuStreamDestroy(handle) == CuResult.Success;
    }
}

/// <summary>A timing event: record on a stream, then read the milliseconds between two.</summary>
public sealed class CudaEvent : SafeHandle
{
    private readonly IntPtr _context;

    public CudaEvent(CudaContext context) : base(IntPtr.Zero, ownsHandle: true)
    {
        _context = context.Handle;
        Check.Driver(CudaDriver.cuEventCreate(out var cuEvent, 0));
        SetHandle(cuEvent);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public void Record(CudaStream stream) => Check.Driver(CudaDriver.cuEventRecord(handle, stream.Handle));

    public void Synchronize() => Check.Driver(CudaDriver.cuEventSynchronize(handle));

    public float MillisecondsSince(CudaEvent start)
    {
        Check.Driver(CudaDriver.cuEventElapsedTime(out var ms, start.handle, handle));
        return ms;
    }

    protected override bool ReleaseHandle()
    {
        CudaDriver.cuCtxSetCurrent(_context);
        return CudaDriver.cuEventDestroy(handle) == CuResult.Success;
    }
}
