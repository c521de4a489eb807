using System.Runtime.InteropServices;

namespace Clustering.Inference.Cuda.Native;

/// <summary>What a CUDA device is: enough to pick kernels (compute capability) and size work (SMs, memory).</summary>
public sealed record CudaDeviceInfo(
    int Ordinal, string Name, int ComputeMajor, int ComputeMinor, int MultiprocessorCount,
    long TotalMemoryBytes, int MaxSharedMemoryPerBlockOptin, int L2CacheBytes)
{
    /// <summary>NVRTC's architecture name, e.g. "sm_90" for an H100.</summary>
    public string Architecture => $"sm_{ComputeMajor}{ComputeMinor}";

    public override string ToString() =>
        $"cuda:{Ordinal} {Name} ({Architecture}, {MultiprocessorCount} SMs, {TotalMemoryBytes / (1L << 20)} MiB)";
}

/// <summary>
/// The CUDA devices of this machine. Where there is no driver (no libcuda.so.1) or no device, <see cref="Discover"/>
/// returns an empty list and <see cref="UnavailableReason"/> says why; it never throws for an absent GPU.
/// </summary>
public static unsafe class CudaDevices
{
    private static readonly Lazy<(IReadOnlyList<CudaDeviceInfo> Devices, string? Reason)> Found = new(Probe);

    public static IReadOnlyList<CudaDeviceInfo> Discover() => Found.Value.Devices;

    /// <summary>Null when at least one device was found; otherwise the reason (missing driver, no device, init failure).</summary>
    public static string? UnavailableReason => Found.Value.Reason;

    /// <summary>Driver version as the driver reports it (13000 = 13.0); 0 without a driver.</summary>
    public static int DriverVersion()
    {
        if (Discover().Count == 0) return 0;
        Check.Driver(CudaDriver.cuDriverGetVersion(out var version));
        return version;
    }

    private static (IReadOnlyList<CudaDeviceInfo>, string?) Probe()
    {
        if (!CudaLibraries.TryLoad(CudaLibraries.Driver, out var failure)) return ([], failure);
        try
        {
            var init = CudaDriver.cuInit(0);
            if (init != CuResult.Success) return ([], $"cuInit: {CudaDriver.ErrorName(init)}");
            Check.Driver(CudaDriver.cuDeviceGetCount(out var count));
            if (count == 0) return ([], "the CUDA driver reports no device");
            var devices = new List<CudaDeviceInfo>(count);
            for (var ordinal = 0; ordinal < count; ordinal++) devices.Add(Describe(ordinal));
            return (devices, null);
        }
        catch (EntryPointNotFoundException e)
        {
            return ([], "the CUDA driver is too old: " + e.Message);
        }
    }

    private static CudaDeviceInfo Describe(int ordinal)
    {
        Check.Driver(CudaDriver.cuDeviceGet(out var device, ordinal));
        var name = stackalloc byte[256];
        Check.Driver(CudaDriver.cuDeviceGetName(name, 256, device));
        Check.Driver(CudaDriver.cuDeviceTotalMem(out var total, device));
        return new CudaDeviceInfo(
            ordinal,
            Marshal.PtrToStringUTF8((IntPtr)name) ?? "?",
            Attribute(device, CuDeviceAttribute.ComputeCapabilityMajor),
            Attribute(device, CuDeviceAttribute.ComputeCapabilityMinor),
            Attribute(device, CuDeviceAttribute.MultiprocessorCount),
            (long)total,
            Attribute(device, CuDeviceAttribute.MaxSharedMemoryPerBlockOptin),
            Attribute(device, CuDeviceAttribute.L2CacheSize));
    }

    private static int Attribute(int device, CuDeviceAttribute attribute)
    {
        Check.Driver(CudaDriver.cuDeviceGetAttribute(out var value, attribute, device));
        return value;
    }
}
