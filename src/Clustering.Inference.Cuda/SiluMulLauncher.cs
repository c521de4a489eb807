using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda;

/// <summary>Launches silu_mul.cu: out (rows, n) = silu(gate) · up, gate and up being slices of one (rows, inStride) buffer or two.</summary>
public static unsafe class SiluMulLauncher
{
    public static void Launch(KernelLibrary kernels, CudaStream stream, DevicePtr gate, DevicePtr up, int inStride,
        DevicePtr output, int outputStride, int rows, int n)
    {
        if (rows == 0) return;
        LaunchChecks.Positive(n, nameof(n));
        LaunchChecks.Stride(inStride, n, nameof(inStride));
        LaunchChecks.Stride(outputStride, n, nameof(outputStride));
        var function = kernels.Function(KernelSources.SiluMul, "silu_mul");
        void** args = stackalloc void*[7];
        args[0] = &gate;
        args[1] = &up;
        args[2] = &inStride;
        args[3] = &output;
        args[4] = &outputStride;
        args[5] = &rows;
        args[6] = &n;
        var perThread = n % 8 == 0 && inStride % 8 == 0 && outputStride % 8 == 0 ? 8 : 1;
        var blocks = LaunchChecks.Blocks((long)rows * n / perThread, 256);
        function.Launch((Math.Max(blocks, 1u), 1, 1), 256, 0, stream, args);
    }
}
