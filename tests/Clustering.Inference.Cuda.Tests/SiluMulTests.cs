namespace Clustering.Inference.Cuda.Tests;

public class SiluMulTests
{
    [GpuFact]
    public void Silu_times_up_matches_the_reference_over_a_fused_gate_up_buffer()
    {
        var gpu = GpuSession.Get();
        var random = GpuSession.NewRandom(out var seed);
        foreach (var n in new[] { 1, 7, 8, 24, 3072 })
        foreach (var rows in new[] { 1, 9, 33 })
        {
            var what = $"seed {seed} n {n} rows {rows}";
            var stride = 2 * n; // [gate | up], as the fused gate/up GEMM writes it
            var fused = Bf16.Random(random, rows * stride, 4f);
            var expected = new double[rows * n];
            for (var r = 0; r < rows; r++)
            for (var i = 0; i < n; i++)
                expected[r * n + i] = References.Silu(Bf16.ToFloat(fused[r * stride + i])) * Bf16.ToFloat(fused[r * stride + n + i]);
            using var input = gpu.Upload(fused);
            using var output = gpu.Poisoned((long)rows * n * 2);
            SiluMulLauncher.Launch(gpu.Kernels, gpu.Stream, input.Pointer, input.Pointer.Offset(n * 2), stride, output.Pointer, n, rows, n);
            Compare.Close(what, expected, gpu.Download<ushort>(output, rows * n), 1e-5, 1.0 / 128, 4e-3);
        }
    }
}
