namespace Clustering.Inference.Cuda.Tests;

public class HeadNormRopeTests
{
    [GpuFact]
    public void Norm_and_rotation_match_the_reference_inside_a_fused_qkv_row()
    {
        var gpu = GpuSession.Get();
        var random = GpuSession.NewRandom(out var seed);
        // (2, 6) and (1, 10) take the one-element-per-lane kernel (pairs would straddle the halves); the rest the pairs kernel.
        foreach (var (heads, headDim) in new[] { (1, 16), (3, 32), (16, 128), (5, 64), (2, 6), (1, 10), (8, 256) })
        foreach (var tokens in new[] { 1, 7, 40 })
        {
            // The heads sit at a column offset inside wider rows, as q and k do inside the fused QKV output.
            var offset = headDim * 2;
            var stride = offset + heads * headDim + headDim;
            var what = $"seed {seed} heads {heads} head_dim {headDim} tokens {tokens}";
            var x = Bf16.Random(random, tokens * stride, 3f);
            var weight = Bf16.Random(random, headDim, 2f);
            var positions = new int[tokens];
            for (var t = 0; t < tokens; t++) positions[t] = t == 0 ? 0 : random.Next(32768);
            var expected = References.HeadNormRope(Bf16.Widen(x), tokens, stride, offset, heads, headDim, Bf16.Widen(weight), positions, 1e-6, 1e6);

            using var xOnGpu = gpu.Upload(x);
            using var weightOnGpu = gpu.Upload(weight);
            using var positionsOnGpu = gpu.Upload(positions);
            using var rope = new RopeTable(gpu.Context, gpu.Stream, headDim, 1e6f, 32768);
            HeadNormRopeLauncher.Launch(gpu.Kernels, gpu.Stream, xOnGpu.Pointer.Offset(offset * 2), stride, heads, headDim,
                weightOnGpu.Pointer, positionsOnGpu.Pointer, rope, tokens, 1e-6f);
            var after = gpu.Download<ushort>(xOnGpu, tokens * stride);
            var actual = new ushort[tokens * heads * headDim];
            for (var t = 0; t < tokens; t++)
            {
                after.AsSpan(t * stride + offset, heads * headDim).CopyTo(actual.AsSpan(t * heads * headDim));
                // Columns outside the heads are untouched.
                for (var c = 0; c < stride; c++)
                    if (c < offset || c >= offset + heads * headDim)
                        Assert.True(after[t * stride + c] == x[t * stride + c], $"{what}: column {c} of token {t} changed");
            }
            Compare.Close(what, expected, actual, 2e-2, 1.0 / 64, 6e-3);
        }
    }

    [Fact]
    public void The_rope_table_holds_cos_and_sin_of_hugging_faces_fp32_angle()
    {
        const int headDim = 128;
        var table = RopeTable.Compute(headDim, 1e6f, 40000);
        foreach (var (position, j) in new[] { (0, 0), (1, 0), (7, 3), (32767, 0), (32767, 63), (39999, 17) })
        {
            var invFreq = (float)(1.0 / Math.Pow(1e6, 2.0 * j / headDim));
            var angle = (double)((float)position * invFreq);
            Assert.Equal((float)Math.Cos(angle), table[(position * 64 + j) * 2]);
            Assert.Equal((float)Math.Sin(angle), table[(position * 64 + j) * 2 + 1]);
        }
    }

    [Fact]
    public void Pairs_are_used_where_they_stay_inside_a_half_and_rows_are_aligned()
    {
        var aligned = new Clustering.Inference.Cuda.Native.DevicePtr(0x7f0000000000);
        Assert.True(HeadNormRopeLauncher.UsesPairs(aligned, 4096, 128));
        Assert.True(HeadNormRopeLauncher.UsesPairs(aligned, 48, 16));
        Assert.False(HeadNormRopeLauncher.UsesPairs(aligned, 30, 6));            // half = 3: a pair would straddle
        Assert.False(HeadNormRopeLauncher.UsesPairs(aligned, 4097, 128));        // odd stride: rows 2-byte aligned only
        Assert.False(HeadNormRopeLauncher.UsesPairs(aligned.Offset(2), 4096, 128));
    }
}
