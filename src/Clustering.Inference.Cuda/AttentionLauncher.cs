using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda;

/// <summary>Launches attention.cu: causal attention inside each sequence of a flat batch (cu_seqlens), GQA by index.</summary>
public static unsafe class AttentionLauncher
{
    /// <summary>
    /// Query rows per block: 64 (4 warps) or 128 (8 warps). CLUSTERING_ATTENTION_TILE=128 picks the larger for
    /// comparisons; 64 is the default, measured faster on an H100 (0.303 against 0.319 ms a layer; tests/gpu/NOTES.md).
    /// </summary>
    public static int DefaultQueryTile { get; } = Environment.GetEnvironmentVariable("CLUSTERING_ATTENTION_TILE") == "128" ? 128 : 64;

    public static bool Supports(int headDim) => headDim is 16 or 32 or 64 or 128;

    public static void Launch(KernelLibrary kernels, CudaStream stream,
        DevicePtr q, int qStride, DevicePtr k, DevicePtr v, int kvStride, DevicePtr output, int outputStride,
        DevicePtr cuSeqLens, int sequences, int maxSequenceLength, int heads, int kvHeads, int headDim, int queryTile = 0)
    {
        if (queryTile == 0) queryTile = DefaultQueryTile;
        if (queryTile is not (64 or 128)) throw new ArgumentOutOfRangeException(nameof(queryTile), queryTile, "attention query tiles are 64 or 128 rows");
        if (sequences == 0) return;
        if (!Supports(headDim))
            throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "attention supports head_dim 16, 32, 64 and 128");
        LaunchChecks.Positive(heads, nameof(heads));
        LaunchChecks.Positive(kvHeads, nameof(kvHeads));
        LaunchChecks.Positive(maxSequenceLength, nameof(maxSequenceLength));
        if (heads % kvHeads != 0)
            throw new ArgumentException($"heads ({heads}) is not a multiple of kv_heads ({kvHeads})", nameof(kvHeads));
        LaunchChecks.Stride(qStride, heads * headDim, nameof(qStride));
        LaunchChecks.Stride(kvStride, kvHeads * headDim, nameof(kvStride));
        LaunchChecks.Stride(outputStride, heads * headDim, nameof(outputStride));
        if (qStride % 8 != 0 || kvStride % 8 != 0 || outputStride % 2 != 0)
            throw new ArgumentException($"attention needs row strides that are multiples of 8 elements (q {qStride}, kv {kvStride}) and even output strides ({outputStride})");
        var function = kernels.Function(KernelSources.Attention, queryTile == 64 ? $"flash_attention_d{headDim}" : $"flash_attention_q128_d{headDim}");
        var scaleLog2 = (float)(1.0 / Math.Sqrt(headDim) * 1.4426950408889634);
        void** args = stackalloc void*[11];
        args[0] = &q;
        args[1] = &qStride;
        args[2] = &k;
        args[3] = &v;
        args[4] = &kvStride;
        args[5] = &output;
        args[6] = &outputStride;
        args[7] = &cuSeqLens;
        args[8] = &heads;
        args[9] = &kvHeads;
        args[10] = &scaleLog2;
        var tiles = (uint)((maxSequenceLength + queryTile - 1) / queryTile);
        function.Launch((tiles, (uint)sequences, (uint)heads), (uint)(queryTile * 2), 0, stream, args);
    }
}
