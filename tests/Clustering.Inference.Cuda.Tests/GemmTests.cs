using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda.Tests;

public class GemmTests
{
    [GpuFact]
    public void CublasLt_bf16_matmul_with_fp32_accumulation_matches_the_reference()
    {
        var gpu = GpuSession.Get();
        var random = GpuSession.NewRandom(out var seed);
        foreach (var rows in new[] { 1, 3, 17, 130 })
        foreach (var (inFeatures, outFeatures) in new[] { (64, 40), (96, 256), (1024, 72), (72, 24) })
        foreach (var output in new[] { GemmOutput.BFloat16, GemmOutput.Float32 })
        foreach (var accumulate in new[] { false, true })
        {
            if (accumulate && output == GemmOutput.BFloat16) continue; // the residual add accumulates into the fp32 stream
            var what = $"seed {seed} rows {rows} in {inFeatures} out {outFeatures} {output} accumulate {accumulate}";
            var x = Bf16.Random(random, rows * inFeatures);
            var w = Bf16.Random(random, outFeatures * inFeatures);
            float[]? c = null;
            if (accumulate)
            {
                c = new float[rows * outFeatures];
                for (var i = 0; i < c.Length; i++) c[i] = (float)(random.NextDouble() * 8 - 4);
            }
            var expected = References.MatMul(Bf16.Widen(x), Bf16.Widen(w), rows, inFeatures, outFeatures, c);
            using var xOnGpu = gpu.Upload(x);
            using var wOnGpu = gpu.Upload(w);
            using var y = c is null ? gpu.Poisoned((long)rows * outFeatures * (output == GemmOutput.Float32 ? 4 : 2)) : gpu.Upload(c);
            gpu.Blas.MatMul(gpu.Stream, xOnGpu.Pointer, inFeatures, wOnGpu.Pointer, y.Pointer, outFeatures, output, rows, inFeatures, outFeatures, accumulate);
            if (output == GemmOutput.Float32)
                Compare.Close(what, expected, gpu.Download<float>(y, rows * outFeatures), 1e-3, 1e-4, 1e-5);
            else
                Compare.Close(what, expected, gpu.Download<ushort>(y, rows * outFeatures), 1e-3, 1.0 / 128, 4e-3);
        }
    }

    [GpuFact]
    public void Writes_into_a_column_slice_of_a_wider_buffer()
    {
        var gpu = GpuSession.Get();
        var random = GpuSession.NewRandom(out var seed);
        const int rows = 9, inFeatures = 64, outFeatures = 32, wideStride = 96, column = 32;
        var x = Bf16.Random(random, rows * inFeatures);
        var w = Bf16.Random(random, outFeatures * inFeatures);
        var expected = References.MatMul(Bf16.Widen(x), Bf16.Widen(w), rows, inFeatures, outFeatures);
        using var xOnGpu = gpu.Upload(x);
        using var wOnGpu = gpu.Upload(w);
        using var y = gpu.Poisoned((long)rows * wideStride * 4);
        gpu.Blas.MatMul(gpu.Stream, xOnGpu.Pointer, inFeatures, wOnGpu.Pointer, y.Pointer.Offset(column * 4), wideStride,
            GemmOutput.Float32, rows, inFeatures, outFeatures, accumulate: false);
        var all = gpu.Download<float>(y, rows * wideStride);
        var slice = new float[rows * outFeatures];
        for (var r = 0; r < rows; r++)
        {
            all.AsSpan(r * wideStride + column, outFeatures).CopyTo(slice.AsSpan(r * outFeatures));
            for (var i = 0; i < wideStride; i++)
                if (i < column || i >= column + outFeatures)
                    Assert.True(float.IsNaN(all[r * wideStride + i]), $"row {r} column {i} outside the slice was written");
        }
        Compare.Close($"seed {seed}", expected, slice, 1e-3, 1e-4, 1e-5);
    }
}
