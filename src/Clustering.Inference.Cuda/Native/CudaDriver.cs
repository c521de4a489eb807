using System.Runtime.InteropServices;

namespace Clustering.Inference.Cuda.Native;

/// <summary>CUresult: the values we test for by name; any other is reported through cuGetErrorName.</summary>
public enum CuResult
{
    Success = 0,
    ErrorInvalidValue = 1,
    ErrorOutOfMemory = 2,
    ErrorNotInitialized = 3,
    ErrorDeinitialized = 4,
    ErrorNoDevice = 100,
    ErrorInvalidDevice = 101,
    ErrorNotReady = 600,
}

/// <summary>CUdevice_attribute values we read.</summary>
internal enum CuDeviceAttribute
{
    MaxThreadsPerBlock = 1,
    MaxSharedMemoryPerBlock = 8,
    MultiprocessorCount = 16,
    L2CacheSize = 38,
    ComputeCapabilityMajor = 75,
    ComputeCapabilityMinor = 76,
    MaxSharedMemoryPerBlockOptin = 97,
}

/// <summary>CUfunction_attribute values we set.</summary>
internal enum CuFunctionAttribute
{
    MaxDynamicSharedSizeBytes = 8,
}

/// <summary>
/// The CUDA driver API (libcuda.so.1), the subset the backend needs. Raw signatures, no policy: callers go
/// through <see cref="Check.Driver"/> and the SafeHandle types beside this file. Every pointer on the device is a
/// CUdeviceptr (ulong); contexts, streams, events, modules and functions are opaque IntPtr handles.
/// </summary>
internal static unsafe partial class CudaDriver
{
    static CudaDriver() => CudaLibraries.EnsureRegistered();

    private const string Lib = CudaLibraries.Driver;

    [LibraryImport(Lib)] public static partial CuResult cuInit(uint flags);
    [LibraryImport(Lib)] public static partial CuResult cuDriverGetVersion(out int version);
    [LibraryImport(Lib)] public static partial CuResult cuGetErrorName(CuResult error, out byte* name);
    [LibraryImport(Lib)] public static partial CuResult cuDeviceGetCount(out int count);
    [LibraryImport(Lib)] public static partial CuResult cuDeviceGet(out int device, int ordinal);
    [LibraryImport(Lib)] public static partial CuResult cuDeviceGetName(byte* name, int length, int device);
    [LibraryImport(Lib)] public static partial CuResult cuDeviceGetAttribute(out int value, CuDeviceAttribute attribute, int device);
    [LibraryImport(Lib, EntryPoint = "cuDeviceTotalMem_v2")] public static partial CuResult cuDeviceTotalMem(out nuint bytes, int device);

    [LibraryImport(Lib)] public static partial CuResult cuDevicePrimaryCtxRetain(out IntPtr context, int device);
    [LibraryImport(Lib, EntryPoint = "cuDevicePrimaryCtxRelease_v2")] public static partial CuResult cuDevicePrimaryCtxRelease(int device);
    [LibraryImport(Lib)] public static partial CuResult cuCtxSetCurrent(IntPtr context);
    [LibraryImport(Lib)] public static partial CuResult cuCtxGetCurrent(out IntPtr context);
    [LibraryImport(Lib)] public static partial CuResult cuCtxSynchronize();
    [LibraryImport(Lib, EntryPoint = "cuMemGetInfo_v2")] public static partial CuResult cuMemGetInfo(out nuint free, out nuint total);

    [LibraryImport(Lib, EntryPoint = "cuMemAlloc_v2")] public static partial CuResult cuMemAlloc(out ulong pointer, nuint bytes);
    [LibraryImport(Lib, EntryPoint = "cuMemFree_v2")] public static partial CuResult cuMemFree(ulong pointer);
    [LibraryImport(Lib)] public static partial CuResult cuMemHostAlloc(out IntPtr pointer, nuint bytes, uint flags);
    [LibraryImport(Lib)] public static partial CuResult cuMemFreeHost(IntPtr pointer);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyHtoDAsync_v2")] public static partial CuResult cuMemcpyHtoDAsync(ulong destination, void* source, nuint bytes, IntPtr stream);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyDtoHAsync_v2")] public static partial CuResult cuMemcpyDtoHAsync(void* destination, ulong source, nuint bytes, IntPtr stream);
    [LibraryImport(Lib, EntryPoint = "cuMemcpyDtoDAsync_v2")] public static partial CuResult cuMemcpyDtoDAsync(ulong destination, ulong source, nuint bytes, IntPtr stream);
    [LibraryImport(Lib)] public static partial CuResult cuMemsetD8Async(ulong destination, byte value, nuint count, IntPtr stream);

    [LibraryImport(Lib)] public static partial CuResult cuStreamCreate(out IntPtr stream, uint flags);
    [LibraryImport(Lib, EntryPoint = "cuStreamDestroy_v2")] public static partial CuResult cuStreamDestroy(IntPtr stream);
    [LibraryImport(Lib)] public static partial CuResult cuStreamSynchronize(IntPtr stream);

    [LibraryImport(Lib)] public static partial CuResult cuEventCreate(out IntPtr cuEvent, uint flags);
    [LibraryImport(Lib, EntryPoint = "cuEventDestroy_v2")] public static partial CuResult cuEventDestroy(IntPtr cuEvent);
    [LibraryImport(Lib)] public static partial CuResult cuEventRecord(IntPtr cuEvent, IntPtr stream);
    [LibraryImport(Lib)] public static partial CuResult cuEventSynchronize(IntPtr cuEvent);
    [LibraryImport(Lib)] public static partial CuResult cuEventElapsedTime(out float milliseconds, IntPtr start, IntPtr end);

    [LibraryImport(Lib)] public static partial CuResult cuModuleLoadData(out IntPtr module, void* image);
    [LibraryImport(Lib)] public static partial CuResult cuModuleUnload(IntPtr module);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial CuResult cuModuleGetFunction(out IntPtr function, IntPtr module, string name);
    [LibraryImport(Lib)] public static partial CuResult cuFuncSetAttribute(IntPtr function, CuFunctionAttribute attribute, int value);
    [LibraryImport(Lib)]
    public static partial CuResult cuLaunchKernel(IntPtr function,
        uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedMemoryBytes, IntPtr stream, void** kernelParameters, void** extra);

    [LibraryImport(Lib)]
    public static partial CuResult cuTensorMapEncodeTiled(void* tensorMap, int dataType, uint rank, ulong globalAddress,
        ulong* globalDim, ulong* globalStrides, uint* boxDim, uint* elementStrides, int interleave, int swizzle,
        int l2Promotion, int oobFill);

    public const uint MemHostAllocPortable = 1;
    public const uint StreamNonBlocking = 1;

    /// <summary>"CUDA_ERROR_OUT_OF_MEMORY" for 2; the number itself when the driver does not know it.</summary>
    public static string ErrorName(CuResult result)
    {
        try
        {
            if (cuGetErrorName(result, out var name) == CuResult.Success && name != null)
                return Marshal.PtrToStringUTF8((IntPtr)name) ?? result.ToString();
        }
        catch (DllNotFoundException) { }
        return "CUresult " + (int)result;
    }
}
