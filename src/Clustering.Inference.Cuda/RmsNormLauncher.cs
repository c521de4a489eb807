using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda;

/// <summary>Element types rmsnorm.cu is instantiated for: (residual stream, output).</summary>
public enum RmsNormTypes
{
    Float32ToBFloat16,
    Float32ToFloat32,
    BFloat16ToBFloat16,
}

/// <summary>Launches rmsnorm.cu: optionally x += delta, then out = RMSNorm(x) · weight, row by row.</summary>
public static unsafe class RmsNormLauncher
{
    public static void Launch(KernelLibrary kernels, CudaStream stream, RmsNormTypes types,
        DevicePtr x, int xStride, DevicePtr delta, int deltaStride, DevicePtr weight,
        DevicePtr output, int outputStride, int rows, int n, float eps)
    {
        if (rows == 0) return;
        LaunchChecks.Positive(n, nameof(n));
        LaunchChecks.Stride(xStride, n, nameof(xStride));
        LaunchChecks.Stride(outputStride, n, nameof(outputStride));
        if (!delta.IsNull) LaunchChecks.Stride(deltaStride, n, nameof(deltaStride));
        var name = types switch
        {
            RmsNormTypes.Float32ToBFloat16 => "rmsnorm_f32_bf16",
            RmsNormTypes.Float32ToFloat32 => "rmsnorm_f32_f32",
            _ => "rmsnorm_bf16_bf16",
        };
        var function = kernels.Function(KernelSources.RmsNorm, name);
        void** args = stackalloc void*[9];
        args[0] = &x;
        args[1] = &xStride;
        args[2] = &delta;
        args[3] = &deltaStride;
        args[4] = &weight;
        args[5] = &output;
        args[6] = &outputStride;
        args[7] = &n;
        args[8] = &eps;
        function.Launch(((uint)rows, 1, 1), 256, 0, stream, args);
    }
}
