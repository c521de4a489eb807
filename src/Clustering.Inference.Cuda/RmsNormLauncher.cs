using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda;

/// <summary>Element types rmsnorm.cu is instantiated for: (residual stream, output).</summary>
public enum RmsNormTypes
{
    Float32ToBFloat16,
    Float32ToFloat32,
    BFloat16ToBFloat16,
}

/// <summary>
/// Launches rmsnorm.cu: optionally x += delta, then out = RMSNorm(x) · weight, row by row; the warp-per-row kernel
/// where the shape allows (the model's norms), the block-per-row one otherwise.
/// </summary>
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
        if (delta.IsNull && types != RmsNormTypes.BFloat16ToBFloat16 && CanUseRowKernel(x, xStride, output, outputStride, n))
        {
            LaunchRows(kernels, stream, types, x, xStride, weight, output, outputStride, rows, n, eps);
            return;
        }
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

    /// <summary>
    /// The warp-per-row kernel holds a row in registers as float4s: n a multiple of 128 up to 4096 (every Qwen3
    /// hidden size), 16-byte aligned fp32 rows and outputs aligned for their vector stores.
    /// </summary>
    public static bool CanUseRowKernel(DevicePtr x, int xStride, DevicePtr output, int outputStride, int n) =>
        n % 128 == 0 && n <= 4096 && xStride % 4 == 0 && outputStride % 4 == 0 && x.Address % 16 == 0 && output.Address % 16 == 0;

    private static void LaunchRows(KernelLibrary kernels, CudaStream stream, RmsNormTypes types,
        DevicePtr x, int xStride, DevicePtr weight, DevicePtr output, int outputStride, int rows, int n, float eps)
    {
        var name = (n <= 1024 ? "rmsnorm_rows_" : "rmsnorm_rows_wide_") + (types == RmsNormTypes.Float32ToFloat32 ? "f32_f32" : "f32_bf16");
        var function = kernels.Function(KernelSources.RmsNorm, name);
        void** args = stackalloc void*[8];
        args[0] = &x;
        args[1] = &xStride;
        args[2] = &weight;
        args[3] = &output;
        args[4] = &outputStride;
        args[5] = &rows;
        args[6] = &n;
        args[7] = &eps;
        function.Launch(((uint)((rows + 3) / 4), 1, 1), 128, 0, stream, args);
    }
}
