using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda.Tests;

public class RmsNormTests
{
    [GpuFact]
    public void Residual_add_and_norm_match_the_reference_for_odd_shapes()
    {
        var gpu = GpuSession.Get();
        var random = GpuSession.NewRandom(out var seed);
        const float eps = 1e-6f;
        // 128, 1024, 2560 and 4096 take the warp-per-row kernel where fp32 and without delta; the rest the block kernel.
        foreach (var n in new[] { 1, 7, 64, 128, 1000, 1024, 2560, 4096 })
        foreach (var rows in new[] { 1, 3, 17 })
        foreach (var types in new[] { RmsNormTypes.Float32ToBFloat16, RmsNormTypes.Float32ToFloat32, RmsNormTypes.BFloat16ToBFloat16 })
        foreach (var withDelta in new[] { false, true })
        {
            var what = $"seed {seed} n {n} rows {rows} {types} delta {withDelta}";
            var inputBf16 = types == RmsNormTypes.BFloat16ToBFloat16;
            var x = new float[rows * n];
            for (var i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 4 - 2);
            if (inputBf16) for (var i = 0; i < x.Length; i++) x[i] = Bf16.Round(x[i]);
            var delta = Bf16.Random(random, rows * n, 2f);
            var weight = Bf16.Random(random, n, 1.5f);

            // The reference: x' = x + delta (rounded as stored), then the norm of x'.
            var updated = (float[])x.Clone();
            if (withDelta)
                for (var i = 0; i < x.Length; i++)
                {
                    updated[i] = x[i] + Bf16.ToFloat(delta[i]);
                    if (inputBf16) updated[i] = Bf16.Round(updated[i]);
                }
            var expected = References.RmsNorm(updated, rows, n, Bf16.Widen(weight), eps);

            using var xOnGpu = inputBf16 ? gpu.Upload(Array.ConvertAll(x, Bf16.FromFloat)) : gpu.Upload(x);
            using var deltaOnGpu = gpu.Upload(delta);
            using var weightOnGpu = gpu.Upload(weight);
            var outFloat = types == RmsNormTypes.Float32ToFloat32;
            using var output = gpu.Poisoned((long)rows * n * (outFloat ? 4 : 2));
            RmsNormLauncher.Launch(gpu.Kernels, gpu.Stream, types, xOnGpu.Pointer, n, withDelta ? deltaOnGpu.Pointer : DevicePtr.Null, n,
                weightOnGpu.Pointer, output.Pointer, n, rows, n, eps);
            if (outFloat)
                Compare.Close(what, expected, gpu.Download<float>(output, rows * n), 1e-5, 1e-5, 1e-6);
            else
                Compare.Close(what, expected, gpu.Download<ushort>(output, rows * n), 1e-6, 1.0 / 128, 4e-3);

            // The residual stream itself was updated in place.
            var stream = inputBf16 ? Bf16.Widen(gpu.Download<ushort>(xOnGpu, rows * n)) : gpu.Download<float>(xOnGpu, rows * n);
            Compare.Close(what + " (residual)", Array.ConvertAll(updated, v => (double)v), stream, 1e-6, 1e-6, 1e-6);
        }
    }

    [GpuFact]
    public void Runs_in_place_on_an_fp32_stream()
    {
        foreach (var n in new[] { 96, 1024, 2560 }) RunsInPlace(n); // the block kernel, then the two warp-per-row ones
    }

    private static void RunsInPlace(int n)
    {
        var gpu = GpuSession.Get();
        var random = GpuSession.NewRandom(out var seed);
        const int rows = 5;
        var x = new float[rows * n];
        for (var i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        var weight = Bf16.Random(random, n);
        var expected = References.RmsNorm(x, rows, n, Bf16.Widen(weight), 1e-6);
        using var xOnGpu = gpu.Upload(x);
        using var weightOnGpu = gpu.Upload(weight);
        RmsNormLauncher.Launch(gpu.Kernels, gpu.Stream, RmsNormTypes.Float32ToFloat32, xOnGpu.Pointer, n, DevicePtr.Null, 0,
            weightOnGpu.Pointer, xOnGpu.Pointer, n, rows, n, 1e-6f);
        Compare.Close($"seed {seed} n {n}", expected, gpu.Download<float>(xOnGpu, rows * n), 1e-5, 1e-5, 1e-6);
    }

    [Fact]
    public void The_row_kernel_takes_the_model_shapes_and_leaves_the_rest_to_the_block_kernel()
    {
        var aligned = new DevicePtr(0x7f0000000000);
        foreach (var n in new[] { 128, 1024, 2560, 4096 }) Assert.True(RmsNormLauncher.CanUseRowKernel(aligned, n, aligned, n, n), $"n {n}");
        foreach (var n in new[] { 64, 96, 1000, 4224, 8192 }) Assert.False(RmsNormLauncher.CanUseRowKernel(aligned, n, aligned, n, n), $"n {n}");
        Assert.False(RmsNormLauncher.CanUseRowKernel(aligned.Offset(8), 1024, aligned, 1024, 1024));   // x not 16-byte aligned
        Assert.False(RmsNormLauncher.CanUseRowKernel(aligned, 1026, aligned, 1024, 1024));             // a stride that breaks float4 rows
        Assert.False(RmsNormLauncher.CanUseRowKernel(aligned, 1024, aligned.Offset(4), 1024, 1024));   // output not aligned
    }
}
