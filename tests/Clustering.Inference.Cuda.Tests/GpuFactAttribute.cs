using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda.Tests;

/// <summary>A test that needs a CUDA device: skipped, with the reason, where there is none (CI, laptops).</summary>
public sealed class GpuFactAttribute : FactAttribute
{
    public GpuFactAttribute()
    {
        if (CudaDevices.Discover().Count == 0) Skip = "no CUDA device: " + CudaDevices.UnavailableReason?.Split(Environment.NewLine)[0];
    }
}

/// <summary>A test that needs NVRTC only (compiling kernels): runs wherever libnvrtc loads, GPU or not.</summary>
public sealed class NvrtcFactAttribute : FactAttribute
{
    public NvrtcFactAttribute()
    {
        if (!NvrtcCompiler.IsAvailable(out var failure)) Skip = "no NVRTC: " + failure?.Split(Environment.NewLine)[0];
    }
}
