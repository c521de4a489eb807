using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda;

/// <summary>Which attention kernel runs: the rule's choice, attention.cu's mma.sync kernel, or attention_sm90.cu's wgmma one.</summary>
public enum AttentionKernel { Auto, MmaSync, Wgmma }

/// <summary>
/// Launches causal attention inside each sequence of a flat batch (cu_seqlens), GQA by index: attention.cu (mma.sync)
/// on every GPU, or attention_sm90.cu (wgmma) on Hopper at head_dim 128 (see <see cref="Choose"/>).
/// </summary>
public static unsafe class AttentionLauncher
{
    /// <summary>
    /// Query rows per block of the mma.sync kernel: 64 (4 warps) or 128 (8 warps). CLUSTERING_ATTENTION_TILE=128 picks
    /// the larger for comparisons; 64 is the default, measured faster on an H100 (0.303 against 0.319 ms a layer; tests/gpu/NOTES.md).
    /// </summary>
    public static int DefaultQueryTile { get; } = Environment.GetEnvironmentVariable("CLUSTERING_ATTENTION_TILE") == "128" ? 128 : 64;

    /// <summary>CLUSTERING_ATTENTION_KERNEL=mma or =wgmma forces one kernel for comparisons; unset (or anything else): the rule.</summary>
    public static AttentionKernel ForcedKernel { get; } = Environment.GetEnvironmentVariable("CLUSTERING_ATTENTION_KERNEL") switch
    {
        "mma" => AttentionKernel.MmaSync,
        "wgmma" => AttentionKernel.Wgmma,
        _ => AttentionKernel.Auto,
    };

    /// <summary>
    /// A wgmma kernel: its function, query rows per block, threads, dynamic shared memory, its file (attention_sm90.cu,
    /// or attention_sm90_ws.cu for the warp-specialized ones), and for those that load K and V
    /// by TMA the keys per tile (the tensor maps' box rows; 0: no tensor maps).
    /// </summary>
    public sealed record WgmmaVariant(string Name, string Function, int QueryTile, int Threads, int SharedBytes,
        string File = KernelSources.AttentionSm90, int TmaKeys = 0);

    /// <summary>
    /// The wgmma kernels by name: 2 warpgroups (128 query rows) with 64 or 128 keys per K/V tile, 3 warpgroups (192
    /// rows), the pipelined ones (the next tile's Q·Kᵀ during this tile's softmax), and the warp-specialized ones (a
    /// producer warpgroup and two consumers, ws, or three, ws3, handing stages over by mbarriers, Q in shared memory;
    /// -pp: the two consumers take turns on the tensor cores; tma, tma3: the same with K and V brought in by TMA).
    /// Shared memory: two (three for pipe, ws and tma-k128, four for the -s4 ones, tma-k64 and tma3) stages of a K and a V tile of keys × 128 dims × 2 bytes, the ws kernels' Q tiles (64 rows × 256 bytes
    /// per consumer) and barriers, plus 1 KB to align them to 1024 bytes.
    /// </summary>
    public static IReadOnlyList<WgmmaVariant> WgmmaVariants { get; } =
    [
        new("k64", "flash_attention_sm90_k64", 128, 256, 4 * 64 * 256 + 1024),
        new("k128", "flash_attention_sm90_k128", 128, 256, 4 * 128 * 256 + 1024),
        new("q192-k64", "flash_attention_sm90_q192_k64", 192, 384, 4 * 64 * 256 + 1024),
        new("pipe-k64", "flash_attention_sm90_pipelined_k64", 128, 256, 6 * 64 * 256 + 1024),
        new("pipe-k128", "flash_attention_sm90_pipelined_k128", 128, 256, 6 * 128 * 256 + 1024),
        Warpspecialized("ws-k64", "flash_attention_sm90_ws_k64", keys: 64, stages: 3, consumers: 2),
        Warpspecialized("ws-k64-s4", "flash_attention_sm90_ws_k64_s4", keys: 64, stages: 4, consumers: 2),
        Warpspecialized("ws-k128", "flash_attention_sm90_ws_k128", keys: 128, stages: 3, consumers: 2),
        Warpspecialized("ws-k64-pp", "flash_attention_sm90_ws_k64_pp", keys: 64, stages: 3, consumers: 2),
        Warpspecialized("ws-k128-pp", "flash_attention_sm90_ws_k128_pp", keys: 128, stages: 3, consumers: 2),
        Warpspecialized("ws3-k64", "flash_attention_sm90_ws3_k64", keys: 64, stages: 3, consumers: 3),
        Warpspecialized("ws3-k64-s4", "flash_attention_sm90_ws3_k64_s4", keys: 64, stages: 4, consumers: 3),
        Warpspecialized("tma-k64", "flash_attention_sm90_tma_k64", keys: 64, stages: 4, consumers: 2, tma: true),
        Warpspecialized("tma-k128", "flash_attention_sm90_tma_k128", keys: 128, stages: 3, consumers: 2, tma: true),
        Warpspecialized("tma-k128-pp", "flash_attention_sm90_tma_k128_pp", keys: 128, stages: 3, consumers: 2, tma: true),
        Warpspecialized("tma3-k64", "flash_attention_sm90_tma3_k64", keys: 64, stages: 4, consumers: 3, tma: true),
    ];

    static WgmmaVariant Warpspecialized(string name, string function, int keys, int stages, int consumers, bool tma = false) =>
        new(name, function, 64 * consumers, 128 * (consumers + 1), stages * 2 * keys * 256 + consumers * 64 * 256 + 2 * stages * 8 + 1024,
            KernelSources.AttentionSm90Ws, tma ? keys : 0);

    /// <summary>
    /// The wgmma kernel used: tma3-k64 (a one-thread TMA producer feeding three consumer warpgroups of 64 query rows,
    /// 64-key tiles, 4 stages), the fastest at every length measured on an H100. Through the engine's launcher (NVRTC,
    /// tensor maps from the driver) it ran 420 / 503 / 540 TFLOP/s at 2k / 8k / 32k-token documents against 301 / 363 /
    /// 384 for q192-k64, the default before it (tests/gpu/results/2026-12-07-h100-tma-engine/engine-attention.txt), and
    /// bench.cu timed it 1.33x q192-k64 at 190 tokens (2026-12-07-h100-tma/run.txt). It matched the float64 reference
    /// (AttentionTests) and kept the 0.6B shape at 2k-32k tokens closer to transformers fp32 than transformers bf16 is
    /// (LongDocumentCudaTests). CLUSTERING_ATTENTION_SM90 names another of <see cref="WgmmaVariants"/> for comparisons.
    /// </summary>
    public static WgmmaVariant DefaultWgmma { get; } =
        WgmmaVariants.FirstOrDefault(v => v.Name == Environment.GetEnvironmentVariable("CLUSTERING_ATTENTION_SM90")) ?? WgmmaVariants.First(v => v.Name == "tma3-k64");

    public static bool Supports(int headDim) => headDim is 16 or 32 or 64 or 128;

    /// <summary>The wgmma kernel runs on sm_90 (H100, H200) and is written for head_dim 128 only.</summary>
    public static bool WgmmaSupported(CudaDeviceInfo device, int headDim) => device.Architecture == "sm_90" && headDim == 128;

    /// <summary>
    /// Whether the rule picks wgmma where it runs: yes since an H100 run checked every variant against a float64
    /// reference (ragged lengths, GQA 1-4, 16/8 and 32/8 heads) and the 0.6B-shape model at 2k-32k tokens against
    /// transformers fp32 (closer than transformers bf16 at every length), and timed it faster than mma.sync at every
    /// length (tests/gpu/NOTES.md, "Hopper attention"). CLUSTERING_ATTENTION_KERNEL=mma turns it off.
    /// </summary>
    public const bool WgmmaByDefault = true;

    /// <summary>
    /// The kernel a launch uses: the one asked for, else the forced one (CLUSTERING_ATTENTION_KERNEL), else wgmma
    /// wherever it runs if <see cref="WgmmaByDefault"/>, else mma.sync.
    /// </summary>
    public static AttentionKernel Choose(CudaDeviceInfo device, int headDim, AttentionKernel requested = AttentionKernel.Auto)
    {
        var kernel = requested != AttentionKernel.Auto ? requested : ForcedKernel;
        if (kernel == AttentionKernel.Wgmma && !WgmmaSupported(device, headDim))
            throw new ArgumentException($"the wgmma attention kernel needs an sm_90 GPU and head_dim 128 (this is {device.Architecture}, head_dim {headDim}); unset CLUSTERING_ATTENTION_KERNEL");
        if (kernel != AttentionKernel.Auto) return kernel;
        return WgmmaByDefault && WgmmaSupported(device, headDim) ? AttentionKernel.Wgmma : AttentionKernel.MmaSync;
    }

    public static void Launch(KernelLibrary kernels, CudaStream stream,
        DevicePtr q, int qStride, DevicePtr k, DevicePtr v, int kvStride, DevicePtr output, int outputStride,
        DevicePtr cuSeqLens, int sequences, int maxSequenceLength, int heads, int kvHeads, int headDim, int queryTile = 0,
        AttentionKernel kernel = AttentionKernel.Auto, WgmmaVariant? wgmma = null, int tokens = 0)
    {
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

        CudaFunction function;
        uint threads, sharedBytes = 0;
        if (Choose(kernels.Device, headDim, kernel) == AttentionKernel.Wgmma)
        {
            wgmma ??= DefaultWgmma;
            queryTile = wgmma.QueryTile;
            function = kernels.Function(wgmma.File, wgmma.Function);
            sharedBytes = (uint)wgmma.SharedBytes;
            function.SetMaxDynamicSharedMemory(wgmma.SharedBytes);
            threads = (uint)wgmma.Threads;
        }
        else
        {
            wgmma = null;
            // The query tile is the mma.sync kernel's choice; a wgmma variant carries its own.
            if (queryTile == 0) queryTile = DefaultQueryTile;
            if (queryTile is not (64 or 128)) throw new ArgumentOutOfRangeException(nameof(queryTile), queryTile, "mma.sync attention query tiles are 64 or 128 rows");
            function = kernels.Function(KernelSources.Attention, queryTile == 64 ? $"flash_attention_d{headDim}" : $"flash_attention_q128_d{headDim}");
            threads = (uint)(queryTile * 2);
        }
        var scaleLog2 = (float)(1.0 / Math.Sqrt(headDim) * 1.4426950408889634);
        void** args = stackalloc void*[13];
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
        TensorMap kMap = default, vMap = default;
        if (wgmma is { TmaKeys: > 0 })
        {
            // The TMA kernels read K and V through tensor maps over the batch's rows (rows past them arrive as zeros).
            if (tokens <= 0) throw new ArgumentException($"the {wgmma.Name} attention kernel loads by TMA and needs the batch's token count", nameof(tokens));
            kMap = TensorMap.Rows(k, tokens, kvHeads * headDim, kvStride, wgmma.TmaKeys);
            vMap = TensorMap.Rows(v, tokens, kvHeads * headDim, kvStride, wgmma.TmaKeys);
            args[11] = &kMap;
            args[12] = &vMap;
        }
        var tiles = (uint)((maxSequenceLength + queryTile - 1) / queryTile);
        function.Launch((tiles, (uint)sequences, (uint)heads), threads, sharedBytes, stream, args);
    }
}
