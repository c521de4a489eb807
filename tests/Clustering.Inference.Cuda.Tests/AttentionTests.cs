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
            var what = $"seed {seed} tile {queryTile} head_dim {headDim} heads {heads}/{kvHeads} lengths [{string.Join(',', lengths)}]";
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
                output.Pointer, width, cuOnGpu.Pointer, lengths.Length, lengths.Max(), heads, kvHeads, headDim, queryTile);
            Compare.Close(what, expected, gpu.Download<ushort>(output, tokens * width), 2e-2, 2e-2, 1e-2);
        }
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
