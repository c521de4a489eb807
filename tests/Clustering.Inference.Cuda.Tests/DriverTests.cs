using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda.Tests;

public class DriverTests
{
    [GpuFact]
    public void Discovers_a_device_with_its_capability()
    {
        var device = CudaDevices.Discover()[0];
        Assert.True(device.ComputeMajor >= 7, device.ToString());
        Assert.True(device.MultiprocessorCount > 0, device.ToString());
        Assert.True(device.TotalMemoryBytes > 1L << 30, device.ToString());
        Assert.StartsWith("sm_", device.Architecture);
        Assert.True(CudaDevices.DriverVersion() >= 12000, $"driver {CudaDevices.DriverVersion()}");
    }

    [GpuFact]
    public void Pinned_async_round_trip_and_events()
    {
        var gpu = GpuSession.Get();
        const int count = 1 << 20;
        using var pinned = new PinnedHostMemory(gpu.Context, count * 4L);
        var values = pinned.AsSpan<int>();
        for (var i = 0; i < count; i++) values[i] = i * 7 + 1;
        using var device = gpu.Context.Allocate(count * 4L);
        using var copy = gpu.Context.Allocate(count * 4L);
        using var start = new CudaEvent(gpu.Context);
        using var end = new CudaEvent(gpu.Context);
        start.Record(gpu.Stream);
        gpu.Stream.CopyToDevice(device.Pointer, pinned, 0, count * 4L);
        gpu.Stream.CopyDeviceToDevice(copy.Pointer, device.Pointer, count * 4L);
        gpu.Stream.Fill(device.Pointer, 0, count * 4L);
        gpu.Stream.CopyToHost(pinned, 0, copy.Pointer, count * 4L);
        end.Record(gpu.Stream);
        end.Synchronize();
        Assert.True(end.MillisecondsSince(start) >= 0);
        values = pinned.AsSpan<int>();
        for (var i = 0; i < count; i++) Assert.True(values[i] == i * 7 + 1, $"element {i}: {values[i]}");
    }

    [GpuFact]
    public void A_failing_call_names_itself_and_its_status()
    {
        var gpu = GpuSession.Get();
        // 1 PiB: more than any GPU has.
        var error = Assert.Throws<CudaException>(() => gpu.Context.Allocate(1L << 50));
        Assert.Equal("CUDA_ERROR_OUT_OF_MEMORY", error.Status);
        Assert.True(error.IsOutOfMemory);
        Assert.Contains("cuMemAlloc", error.Message);
        Assert.Contains("DeviceMemory.cs:", error.Message);
    }

    [GpuFact]
    public void Kernels_load_from_the_disk_cache_the_second_time()
    {
        var gpu = GpuSession.Get();
        var folder = Path.Combine(Path.GetTempPath(), "clustering-cache-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var first = new KernelCache(folder);
            using (var library = new KernelLibrary(gpu.Context, first)) library.LoadAll();
            var files = KernelSources.For(gpu.Context.Device.Architecture).Count(); // Hopper's own file too on sm_90
            Assert.Equal(files, first.Compiles);
            var second = new KernelCache(folder);
            using (var library = new KernelLibrary(gpu.Context, second)) library.LoadAll();
            Assert.Equal(0, second.Compiles);
            Assert.Equal(files, second.Hits);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
