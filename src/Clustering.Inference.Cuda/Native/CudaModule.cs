using System.Runtime.InteropServices;

namespace Clustering.Inference.Cuda.Native;

/// <summary>A loaded CUBIN (cuModuleLoadData) and the kernels in it.</summary>
public sealed unsafe class CudaModule : SafeHandle
{
    private readonly IntPtr _context;

    public CudaModule(CudaContext context, ReadOnlySpan<byte> image) : base(IntPtr.Zero, ownsHandle: true)
    {
        _context = context.Handle;
        fixed (byte* pointer = image)
        {
            Check.Driver(CudaDriver.cuModuleLoadData(out var module, pointer));
            SetHandle(module);
        }
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public CudaFunction GetFunction(string name)
    {
        Check.Driver(CudaDriver.cuModuleGetFunction(out var function, handle, name));
        return new CudaFunction(function, name);
    }

    protected override bool ReleaseHandle()
    {
        CudaDriver.cuCtxSetCurrent(_context);
        return CudaDriver.cuModuleUnload(handle) == CuResult.Success;
    }
}

/// <summary>One kernel of a <see cref="CudaModule"/>; valid while the module is loaded.</summary>
public readonly unsafe struct CudaFunction
{
    private readonly IntPtr _function;

    public string Name { get; }

    internal CudaFunction(IntPtr function, string name)
    {
        _function = function;
        Name = name;
    }

    /// <summary>Allows a block more than 48 KB of dynamic shared memory (up to the device's opt-in limit).</summary>
    public void SetMaxDynamicSharedMemory(int bytes) =>
        Check.Driver(CudaDriver.cuFuncSetAttribute(_function, CuFunctionAttribute.MaxDynamicSharedSizeBytes, bytes));

    /// <summary>
    /// Launches on the stream. <paramref name="arguments"/> holds one pointer per kernel parameter, each to a
    /// value laid out as the kernel declares it (a DevicePtr for a pointer, an int, a float).
    /// </summary>
    public void Launch((uint X, uint Y, uint Z) grid, uint blockThreads, uint sharedBytes, CudaStream stream, void** arguments)
    {
        if (grid.X == 0 || grid.Y == 0 || grid.Z == 0) return; // nothing to do: a zero grid is an error to the driver
        var result = CudaDriver.cuLaunchKernel(_function, grid.X, grid.Y, grid.Z, blockThreads, 1, 1,
            sharedBytes, stream.Handle, arguments, null);
        Check.Driver(result, $"cuLaunchKernel({Name}, grid {grid.X}x{grid.Y}x{grid.Z}, block {blockThreads}, shared {sharedBytes})");
    }
}
