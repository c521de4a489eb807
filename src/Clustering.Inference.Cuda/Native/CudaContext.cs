namespace Clustering.Inference.Cuda.Native;

/// <summary>
/// The primary context of one device, retained for this object's life. A worker thread calls
/// <see cref="MakeCurrent"/> once before any other call on that device (contexts are per thread).
/// </summary>
public sealed class CudaContext : IDisposable
{
    private IntPtr _context;

    public CudaDeviceInfo Device { get; }
    internal IntPtr Handle => _context;

    public CudaContext(CudaDeviceInfo device)
    {
        Device = device;
        Check.Driver(CudaDriver.cuDevicePrimaryCtxRetain(out _context, device.Ordinal));
        MakeCurrent();
    }

    public void MakeCurrent() => Check.Driver(CudaDriver.cuCtxSetCurrent(_context));

    public void Synchronize() => Check.Driver(CudaDriver.cuCtxSynchronize());

    public (long Free, long Total) MemoryInfo()
    {
        Check.Driver(CudaDriver.cuMemGetInfo(out var free, out var total));
        return ((long)free, (long)total);
    }

    public DeviceMemory Allocate(long bytes) => new(this, bytes);

    public CudaStream CreateStream() => new(this);

    public void Dispose()
    {
        if (_context == IntPtr.Zero) return;
        CudaDriver.cuDevicePrimaryCtxRelease(Device.Ordinal);
        _context = IntPtr.Zero;
    }
}
