using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda.Tests;

public class LibraryDiscoveryTests
{
    [Fact]
    public void Without_a_driver_discovery_is_empty_and_says_where_it_looked()
    {
        if (CudaDevices.Discover().Count > 0) return; // a GPU machine: the GPU tests cover it
        Assert.Empty(CudaDevices.Discover());
        Assert.False(string.IsNullOrEmpty(CudaDevices.UnavailableReason));
        if (CudaLibraries.TryLoad(CudaLibraries.Driver, out var failure)) return; // a driver without a device
        Assert.Contains("libcuda.so.1", failure);
        Assert.Contains("/usr/local/cuda/lib64", failure);
        Assert.Contains("loader cache", failure);
    }

    [Fact]
    public void Search_follows_cuda_path_then_ld_library_path_then_the_usual_folders()
    {
        var directories = CudaLibraries.SearchDirectories().ToList();
        var usual = directories.IndexOf("/usr/local/cuda/lib64");
        Assert.True(usual >= 0);
        Assert.Contains("/usr/local/cuda/targets/x86_64-linux/lib", directories);
        var cudaPath = Environment.GetEnvironmentVariable("CUDA_PATH");
        if (!string.IsNullOrEmpty(cudaPath)) Assert.True(directories.IndexOf(Path.Combine(cudaPath, "lib64")) < usual);
    }

    [Fact]
    public void A_device_string_names_its_architecture()
    {
        var device = new CudaDeviceInfo(1, "NVIDIA H100 80GB HBM3", 9, 0, 132, 80L << 30, 232448, 50 << 20);
        Assert.Equal("sm_90", device.Architecture);
        Assert.Equal("cuda:1 NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 81920 MiB)", device.ToString());
    }
}
