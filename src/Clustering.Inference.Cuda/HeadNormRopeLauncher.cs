using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda;

/// <summary>Launches head_norm_rope.cu in place over `heads` heads of width headDim inside rows of x; positions must be below the table's.</summary>
public static unsafe class HeadNormRopeLauncher
{
    public const int MaxHeadDim = 256;

    public static void Launch(KernelLibrary kernels, CudaStream stream, DevicePtr x, int rowStride, int heads, int headDim,
        DevicePtr weight, DevicePtr positions, RopeTable rope, int tokens, float eps)
    {
        if (tokens == 0) return;
        LaunchChecks.Positive(heads, nameof(heads));
        if (headDim < 2 || headDim > MaxHeadDim || headDim % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(headDim), headDim, $"head_dim must be even and at most {MaxHeadDim}");
        LaunchChecks.Stride(rowStride, heads * headDim, nameof(rowStride));
        if (rope.HeadDim != headDim) throw new ArgumentException($"the rope table is for head_dim {rope.HeadDim}, not {headDim}", nameof(rope));
        var table = rope.Memory.Pointer;
        var function = kernels.Function(KernelSources.HeadNormRope, UsesPairs(x, rowStride, headDim) ? "head_norm_rope_pairs" : "head_norm_rope");
        void** args = stackalloc void*[8];
        args[0] = &x;
        args[1] = &rowStride;
        args[2] = &heads;
        args[3] = &headDim;
        args[4] = &weight;
        args[5] = &positions;
        args[6] = &table;
        args[7] = &eps;
        function.Launch(((uint)tokens, (uint)((heads + 3) / 4), 1), 128, 0, stream, args);
    }

    /// <summary>Two neighbouring elements per lane (4-byte accesses) when pairs stay inside a half and rows are 4-byte aligned.</summary>
    public static bool UsesPairs(DevicePtr x, int rowStride, int headDim) => headDim % 4 == 0 && rowStride % 2 == 0 && x.Address % 4 == 0;
}
