using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda.Tests;

public class AttentionTests
{
    [GpuFact]
    public void Varlen_causal_gqa_attention_matches_the_reference()
    {
        var gpu = GpuSession.Get();
        var random = GpuSession.NewRandom(out var seed);
        int[][] batches = [[1], [2, 63, 64, 65], [130, 1, 200], [7]];
        foreach (var queryTile in new[] { 64, 128 })
        foreach (var headDim in new[] { 16, 32, 64, 128 })
        foreach (var (heads, kvHeads) in new[] { (4, 4), (4, 2), (8, 2), (16, 8), (2, 1) })
        foreach (var lengths in batches)
        {
            if (headDim == 128 && heads > 8 && lengths.Length > 1) continue; // the double-precision reference is the slow part
            if (queryTile == 64 && headDim < 128) continue; // the 64-row tile is kept for comparison at the models' head_dim
            Check(gpu, random, $"seed {seed} mma.sync tile {queryTile}", lengths, heads, kvHeads, headDim, queryTile, AttentionKernel.MmaSync);
        }
    }

    /// <summary>
    /// The Hopper kernels of attention_sm90.cu (wgmma; the default and its siblings) against the same reference: ragged
    /// batches whose lengths are not multiples of its 128-query or 64/128-key tiles, single tokens, GQA 1-4 and the
    /// models' 16/8 and 32/8 heads. On a GPU that is not sm_90 the kernel must be refused with a clear message instead.
    /// </summary>
    [GpuFact]
    public void Wgmma_attention_matches_the_reference_on_hopper() => CheckWgmma(KernelSources.AttentionSm90);

    /// <summary>The warp-specialized ones (attention_sm90_ws.cu, a module of its own) the same way.</summary>
    [GpuFact]
    public void Warp_specialized_attention_matches_the_reference_on_hopper() => CheckWgmma(KernelSources.AttentionSm90Ws);

    private static void CheckWgmma(string file)
    {
        var gpu = GpuSession.Get();
        if (!AttentionLauncher.WgmmaSupported(gpu.Context.Device, 128))
        {
            var error = Assert.Throws<ArgumentException>(() => AttentionLauncher.Choose(gpu.Context.Device, 128, AttentionKernel.Wgmma));
            Assert.Contains("sm_90", error.Message);
            return;
        }
        var random = GpuSession.NewRandom(out var seed);
        int[][] batches = [[1], [2, 63, 64, 65], [127, 128, 129, 1, 257], [130, 1, 200], [300, 7], [1000]];
        var variants = AttentionLauncher.WgmmaVariants.Where(v => v.File == file).ToList();
        Assert.NotEmpty(variants);
        foreach (var variant in variants)
        {
            foreach (var (heads, kvHeads) in new[] { (2, 2), (4, 1), (4, 2), (16, 8), (32, 8) })
            foreach (var lengths in batches)
            {
                if (heads > 4 && lengths.Sum() > 600) continue; // the double-precision reference is the slow part
                Check(gpu, random, $"seed {seed} wgmma {variant.Name}", lengths, heads, kvHeads, 128, 0, AttentionKernel.Wgmma, variant);
            }
            Check(gpu, random, $"seed {seed} wgmma {variant.Name}", [2085], 2, 1, 128, 0, AttentionKernel.Wgmma, variant);
        }
    }

    [Fact]
    public void A_tensor_map_refuses_what_TMA_cannot_copy_before_asking_the_driver()
    {
        // The copy engine wants 16-byte aligned bases and row strides, and boxes of at most 256 rows.
        Assert.Throws<ArgumentException>(() => TensorMap.Rows(new DevicePtr(0x1008), 100, 1024, 4096, 64));
        Assert.Throws<ArgumentException>(() => TensorMap.Rows(new DevicePtr(0x1000), 100, 1024, 4100, 64));
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorMap.Rows(new DevicePtr(0x1000), 100, 1024, 4096, 512));
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorMap.Rows(new DevicePtr(0x1000), 0, 1024, 4096, 64));
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorMap.Rows(new DevicePtr(0x1000), 100, 8192, 4096, 64));
        // Every TMA variant is a warp-specialized one, in the on-demand file, with a box its tiles fill.
        Assert.All(AttentionLauncher.WgmmaVariants.Where(v => v.TmaKeys > 0), v =>
        {
            Assert.Equal(KernelSources.AttentionSm90Ws, v.File);
            Assert.Contains(v.TmaKeys, new[] { 64, 128 });
        });
    }

    [Fact]
    public void The_rule_allows_wgmma_on_hopper_at_head_dim_128_only()
    {
        CudaDeviceInfo Device(int major, int minor) => new(0, "test", major, minor, 132, 80L << 30, 232448, 50 << 20);
        Assert.Equal(AttentionKernel.MmaSync, AttentionLauncher.Choose(Device(9, 0), 128, AttentionKernel.MmaSync));
        Assert.Equal(AttentionKernel.Wgmma, AttentionLauncher.Choose(Device(9, 0), 128, AttentionKernel.Wgmma));
        Assert.Equal(AttentionKernel.MmaSync, AttentionLauncher.Choose(Device(9, 0), 64, AttentionKernel.MmaSync));
        var error = Assert.Throws<ArgumentException>(() => AttentionLauncher.Choose(Device(8, 0), 128, AttentionKernel.Wgmma));
        Assert.Contains("sm_90 GPU and head_dim 128 (this is sm_80, head_dim 128)", error.Message);
        Assert.Throws<ArgumentException>(() => AttentionLauncher.Choose(Device(9, 0), 64, AttentionKernel.Wgmma));
        if (AttentionLauncher.ForcedKernel == AttentionKernel.Auto)
        {
            var hopper = AttentionLauncher.WgmmaByDefault ? AttentionKernel.Wgmma : AttentionKernel.MmaSync;
            Assert.Equal(hopper, AttentionLauncher.Choose(Device(9, 0), 128));
            Assert.Equal(AttentionKernel.MmaSync, AttentionLauncher.Choose(Device(9, 0), 64));
            Assert.Equal(AttentionKernel.MmaSync, AttentionLauncher.Choose(Device(8, 9), 128));
            Assert.Equal(AttentionKernel.MmaSync, AttentionLauncher.Choose(Device(10, 0), 128));
        }
    }

    [NvrtcFact]
    public void The_hopper_kernels_compile_for_sm_90a()
    {
        if (NvrtcCompiler.Version().StartsWith("11.", StringComparison.Ordinal)) return; // NVRTC 11 has no sm_90a
        // Both files: the wgmma kernels and the warp-specialized ones (the default among them), each a module of its own.
        foreach (var file in KernelSources.Hopper)
        {
            var source = KernelSources.Source(file);
            Assert.StartsWith("// " + file + " — ", source);
            var cubin = NvrtcCompiler.Compile(file, source, KernelSources.Headers, KernelSources.Options(KernelSources.Architecture(file, "sm_90")));
            Assert.Equal(0x7f, cubin[0]); // an ELF image
            Assert.Equal("sm_90a", KernelSources.Architecture(file, "sm_90"));
        }
    }

    [Fact]
    public void Hopper_loads_both_attention_files_up_front_built_for_sm_90a_and_other_gpus_neither()
    {
        // The default wgmma kernel (tma3-k64) lives in attention_sm90_ws.cu: LoadAll must build it before a job starts.
        Assert.Equal([KernelSources.AttentionSm90, KernelSources.AttentionSm90Ws], KernelSources.For("sm_90").Where(KernelSources.Hopper.Contains));
        Assert.Equal(["sm_90a", "sm_90a", "sm_90"], new[] { KernelSources.AttentionSm90, KernelSources.AttentionSm90Ws, KernelSources.Attention }.Select(f => KernelSources.Architecture(f, "sm_90")));
        Assert.Equal(KernelSources.All, KernelSources.For("sm_89"));
        Assert.Equal("sm_89", KernelSources.Architecture(KernelSources.AttentionSm90Ws, "sm_89"));
        if (Environment.GetEnvironmentVariable("CLUSTERING_ATTENTION_SM90") is null) Assert.Equal("tma3-k64", AttentionLauncher.DefaultWgmma.Name);
    }

    private static void Check(GpuSession gpu, Random random, string label, int[] lengths, int heads, int kvHeads, int headDim,
        int queryTile, AttentionKernel kernel, AttentionLauncher.WgmmaVariant? wgmma = null)
    {
        var what = $"{label} head_dim {headDim} heads {heads}/{kvHeads} lengths [{string.Join(',', lengths)}]";
        var cu = new int[lengths.Length + 1];
        for (var s = 0; s < lengths.Length; s++) cu[s + 1] = cu[s] + lengths[s];
        var tokens = cu[^1];
        // One fused QKV buffer (tokens, (heads + 2·kvHeads)·D) as the QKV GEMM writes it.
        var stride = (heads + 2 * kvHeads) * headDim;
        var qkv = Bf16.Random(random, tokens * stride, 2f);
        var wide = Bf16.Widen(qkv);
        var kOffset = heads * headDim;
        var vOffset = (heads + kvHeads) * headDim;
        var expected = References.Attention(wide, stride, wide, wide, stride, kOffset, vOffset, cu, heads, kvHeads, headDim);

        using var qkvOnGpu = gpu.Upload(qkv);
        using var cuOnGpu = gpu.Upload(cu);
        var width = heads * headDim;
        using var output = gpu.Poisoned((long)tokens * width * 2);
        AttentionLauncher.Launch(gpu.Kernels, gpu.Stream, qkvOnGpu.Pointer, stride,
            qkvOnGpu.Pointer.Offset(kOffset * 2), qkvOnGpu.Pointer.Offset(vOffset * 2), stride,
            output.Pointer, width, cuOnGpu.Pointer, lengths.Length, lengths.Max(), heads, kvHeads, headDim, queryTile, kernel, wgmma, tokens);
        Compare.Close(what, expected, gpu.Download<ushort>(output, tokens * width), 2e-2, 2e-2, 1e-2);
    }

    /// <summary>
    /// The TMA kernels (tma3-k64, the default on Hopper) read K and V through tensor maps over the batch's rows, so a
    /// launch that does not give the token count is refused on the host, naming the argument, instead of mapping no
    /// rows and reading zeros for every key. Elsewhere the rule never picks them, so the count is not needed.
    /// </summary>
    [GpuFact]
    public void A_tma_kernel_refuses_a_launch_without_the_token_count()
    {
        var gpu = GpuSession.Get();
        if (!AttentionLauncher.WgmmaSupported(gpu.Context.Device, 128))
        {
            Assert.Equal(AttentionKernel.MmaSync, AttentionLauncher.Choose(gpu.Context.Device, 128));
            return;
        }
        var tma = AttentionLauncher.WgmmaVariants.First(v => v.Name == "tma3-k64");
        Assert.True(tma.TmaKeys > 0);
        var error = Assert.Throws<ArgumentException>(() => AttentionLauncher.Launch(gpu.Kernels, gpu.Stream,
            default, 256, default, default, 256, default, 256, default, 1, 64, 2, 2, 128, 0, AttentionKernel.Wgmma, tma));
        Assert.Equal("tokens", error.ParamName);
        Assert.Contains("tma3-k64", error.Message);
    }

    [GpuFact]
    public void Refuses_an_unsupported_head_dim_on_the_host()
    {
        var gpu = GpuSession.Get();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => AttentionLauncher.Launch(gpu.Kernels, gpu.Stream,
            default, 96, default, default, 96, default, 96, default, 1, 1, 1, 1, 96));
        Assert.Contains("head_dim", error.Message);
    }
}
