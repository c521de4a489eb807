namespace Clustering.Inference.Cuda.Tests;

public class PoolTests
{
    [GpuFact]
    public void Last_token_and_mean_pooling_with_mrl_and_l2_match_the_reference()
    {
        var gpu = GpuSession.Get();
        var random = GpuSession.NewRandom(out var seed);
        int[] lengths = [1, 5, 64, 3, 130];
        var cu = new int[lengths.Length + 1];
        for (var s = 0; s < lengths.Length; s++) cu[s + 1] = cu[s] + lengths[s];
        var last = new int[lengths.Length];
        for (var s = 0; s < lengths.Length; s++) last[s] = cu[s + 1] - 1;
        var tokens = cu[^1];
        foreach (var hidden in new[] { 13, 1024 })
        foreach (var dims in new[] { hidden, Math.Max(1, hidden / 4) })
        foreach (var mean in new[] { false, true })
        foreach (var normalize in new[] { false, true })
        foreach (var float32 in new[] { false, true })
        {
            var what = $"seed {seed} hidden {hidden} dims {dims} mean {mean} normalize {normalize} f32 {float32}";
            var values = new float[tokens * hidden];
            for (var i = 0; i < values.Length; i++) values[i] = Bf16.Round((float)(random.NextDouble() * 2 - 1));
            var expected = new double[lengths.Length * dims];
            for (var s = 0; s < lengths.Length; s++)
            {
                double norm = 0;
                for (var i = 0; i < dims; i++)
                {
                    double v = 0;
                    if (mean) { for (var t = cu[s]; t < cu[s + 1]; t++) v += values[t * hidden + i]; v /= lengths[s]; }
                    else v = values[last[s] * hidden + i];
                    expected[s * dims + i] = v;
                    norm += v * v;
                }
                if (normalize) for (var i = 0; i < dims; i++) expected[s * dims + i] /= Math.Max(Math.Sqrt(norm), 1e-12);
            }
            using var input = float32 ? gpu.Upload(values) : gpu.Upload(Array.ConvertAll(values, Bf16.FromFloat));
            using var indices = gpu.Upload(last);
            using var cuOnGpu = gpu.Upload(cu);
            using var output = gpu.Poisoned((long)lengths.Length * dims * 4);
            PoolLauncher.Launch(gpu.Kernels, gpu.Stream, input.Pointer, hidden, float32, indices.Pointer, cuOnGpu.Pointer, mean,
                lengths.Length, output.Pointer, dims, normalize);
            Compare.Close(what, expected, gpu.Download<float>(output, lengths.Length * dims), 1e-6, 1e-5, 1e-5);
        }
    }
}
