using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda;

/// <summary>Launches pool.cu: one fp32 embedding per sequence, by token index (last/first) or mean, truncated to dims, optionally L2-normalized.</summary>
public static unsafe class PoolLauncher
{
    public static void Launch(KernelLibrary kernels, CudaStream stream, DevicePtr hidden, int stride, bool hiddenFloat32,
        DevicePtr indices, DevicePtr cuSeqLens, bool mean, int sequences, DevicePtr output, int dims, bool normalize)
    {
        if (sequences == 0) return;
        LaunchChecks.Positive(dims, nameof(dims));
        LaunchChecks.Stride(stride, dims, nameof(stride));
        var function = kernels.Function(KernelSources.Pool, hiddenFloat32 ? "pool_f32" : "pool_bf16");
        var mode = mean ? 1 : 0;
        var normalizeFlag = normalize ? 1 : 0;
        void** args = stackalloc void*[8];
        args[0] = &hidden;
        args[1] = &stride;
        args[2] = &indices;
        args[3] = &cuSeqLens;
        args[4] = &mode;
        args[5] = &output;
        args[6] = &dims;
        args[7] = &normalizeFlag;
        function.Launch(((uint)sequences, 1, 1), 256, 0, stream, args);
    }
}
