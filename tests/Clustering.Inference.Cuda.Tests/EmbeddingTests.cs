namespace Clustering.Inference.Cuda.Tests;

public class EmbeddingTests
{
    [GpuFact]
    public void Gathers_rows_exactly_for_odd_shapes_and_zeroes_out_of_range_ids()
    {
        var gpu = GpuSession.Get();
        var random = GpuSession.NewRandom(out var seed);
        foreach (var (vocab, hidden) in new[] { (37, 24), (50, 13), (151, 1024), (5, 1) })
        foreach (var tokens in new[] { 1, 5, 129 })
        foreach (var float32 in new[] { false, true })
        {
            var table = Bf16.Random(random, vocab * hidden);
            var ids = new int[tokens];
            for (var t = 0; t < tokens; t++) ids[t] = random.Next(vocab);
            if (tokens > 1) ids[1] = vocab + 3; // out of range: the kernel writes zeros, never reads past the table
            using var tableOnGpu = gpu.Upload(table);
            using var idsOnGpu = gpu.Upload(ids);
            using var output = gpu.Poisoned((long)tokens * hidden * (float32 ? 4 : 2));
            EmbeddingLauncher.Launch(gpu.Kernels, gpu.Stream, tableOnGpu.Pointer, vocab, hidden, idsOnGpu.Pointer, tokens, output.Pointer, float32);
            var actual = float32 ? gpu.Download<float>(output, tokens * hidden) : Bf16.Widen(gpu.Download<ushort>(output, tokens * hidden));
            for (var t = 0; t < tokens; t++)
            for (var i = 0; i < hidden; i++)
            {
                var expected = ids[t] < vocab ? Bf16.ToFloat(table[ids[t] * hidden + i]) : 0f;
                Assert.True(expected.Equals(actual[t * hidden + i]),
                    $"seed {seed} vocab {vocab} hidden {hidden} tokens {tokens} f32 {float32}: [{t},{i}] expected {expected} got {actual[t * hidden + i]}");
            }
        }
    }
}
