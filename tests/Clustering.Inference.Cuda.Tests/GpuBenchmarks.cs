using System.Diagnostics;
using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda.Tests;

/// <summary>
/// Timings of the kernels at Qwen3-Embedding-0.6B's shapes (hidden 1024, 16 heads / 8 kv heads × 128, MLP 3072),
/// on random data, run by the self-test runner with --bench (not tests: they assert nothing). Each figure is the
/// median of 20 timed runs after 3 warm-ups, timed with CUDA events.
/// </summary>
public static class GpuBenchmarks
{
    public static void Run()
    {
        var gpu = GpuSession.Get();
        var random = new Random(1);
        Console.WriteLine($"benchmarks on {gpu.Context.Device}");

        // A batch shaped like the corpus: lengths log-normal-ish between 16 and 512, about 180 on average, 16k tokens.
        var lengths = new List<int>();
        var total = 0;
        while (total < 16384)
        {
            var length = (int)Math.Clamp(Math.Exp(5.0 + 0.6 * Normal(random)), 16, 512);
            length = Math.Min(length, 16384 - total);
            lengths.Add(length);
            total += length;
        }
        var cu = new int[lengths.Count + 1];
        for (var s = 0; s < lengths.Count; s++) cu[s + 1] = cu[s] + lengths[s];
        const int heads = 16, kvHeads = 8, headDim = 128, hidden = 1024, intermediate = 3072;
        var qkvWidth = (heads + 2 * kvHeads) * headDim;
        using var qkv = gpu.Upload(Bf16.Random(random, total * qkvWidth));
        using var cuOnGpu = gpu.Upload(cu);
        using var attention = gpu.Context.Allocate((long)total * heads * headDim * 2);
        double attentionFlops = 0;
        foreach (var l in lengths) attentionFlops += 2.0 * l * (l + 1) * headDim * heads; // QKᵀ and PV over the causal half
        foreach (var (name, kernel, tile, wgmma) in AttentionVariants(gpu, headDim))
        {
            if (wgmma is not null && !Builds(gpu, wgmma)) continue;
            var ms = Time(gpu, () => AttentionLauncher.Launch(gpu.Kernels, gpu.Stream, qkv.Pointer, qkvWidth,
                qkv.Pointer.Offset(heads * headDim * 2), qkv.Pointer.Offset((heads + kvHeads) * headDim * 2), qkvWidth,
                attention.Pointer, heads * headDim, cuOnGpu.Pointer, lengths.Count, lengths.Max(), heads, kvHeads, headDim, tile, kernel, wgmma, total));
            Console.WriteLine($"attention {name} {total} tokens, {lengths.Count} seqs: {ms:F3} ms, {attentionFlops / ms / 1e9:F1} TFLOP/s");
        }

        // The layer's GEMMs at this token count.
        using var x = gpu.Upload(Bf16.Random(random, total * intermediate));
        using var y = gpu.Context.Allocate((long)total * 2 * intermediate * 4);
        foreach (var (name, inFeatures, outFeatures, output) in new[]
                 {
                     ("qkv", hidden, qkvWidth, GemmOutput.BFloat16), ("o", heads * headDim, hidden, GemmOutput.Float32),
                     ("gate_up", hidden, 2 * intermediate, GemmOutput.BFloat16), ("down", intermediate, hidden, GemmOutput.Float32),
                 })
        {
            using var w = gpu.Upload(Bf16.Random(random, inFeatures * outFeatures, 0.05f));
            var accumulate = output == GemmOutput.Float32;
            var gemmMs = Time(gpu, () => gpu.Blas.MatMul(gpu.Stream, x.Pointer, inFeatures, w.Pointer, y.Pointer, outFeatures, output,
                total, inFeatures, outFeatures, accumulate));
            Console.WriteLine($"gemm {name,-8} {total}x{inFeatures}x{outFeatures}: {gemmMs:F3} ms, {2.0 * total * inFeatures * outFeatures / gemmMs / 1e9:F1} TFLOP/s");
        }

        // The memory-bound kernels.
        var streamValues = new float[total * hidden];
        for (var i = 0; i < streamValues.Length; i++) streamValues[i] = (float)(random.NextDouble() * 2 - 1);
        using var stream = gpu.Upload(streamValues);
        using var normWeight = gpu.Upload(Bf16.Random(random, hidden));
        using var normed = gpu.Context.Allocate((long)total * hidden * 2);
        var normMs = Time(gpu, () => RmsNormLauncher.Launch(gpu.Kernels, gpu.Stream, RmsNormTypes.Float32ToBFloat16, stream.Pointer, hidden,
            DevicePtr.Null, 0, normWeight.Pointer, normed.Pointer, hidden, total, hidden, 1e-6f));
        Console.WriteLine($"rmsnorm    {total}x{hidden}: {normMs:F3} ms, {total * hidden * 6.0 / normMs / 1e6:F0} GB/s");
        using var positions = gpu.Upload(Enumerable.Range(0, total).Select(i => i % 512).ToArray());
        using var rope = new RopeTable(gpu.Context, gpu.Stream, headDim, 1e6f, 512);
        var ropeMs = Time(gpu, () => HeadNormRopeLauncher.Launch(gpu.Kernels, gpu.Stream, qkv.Pointer, qkvWidth, heads + kvHeads, headDim,
            normWeight.Pointer, positions.Pointer, rope, total, 1e-6f));
        Console.WriteLine($"norm+rope  {total}x{heads + kvHeads} heads: {ropeMs:F3} ms, {total * (heads + kvHeads) * headDim * 4.0 / ropeMs / 1e6:F0} GB/s");
        using var gateUp = gpu.Upload(Bf16.Random(random, total * 2 * intermediate));
        var siluMs = Time(gpu, () => SiluMulLauncher.Launch(gpu.Kernels, gpu.Stream, gateUp.Pointer, gateUp.Pointer.Offset(intermediate * 2),
            2 * intermediate, normed.Pointer, intermediate, total, intermediate));
        Console.WriteLine($"silu_mul   {total}x{intermediate}: {siluMs:F3} ms, {total * intermediate * 6.0 / siluMs / 1e6:F0} GB/s");
    }

    /// <summary>
    /// Causal attention alone on long documents (issue 14): for each length, a batch of 65,536 tokens (or one document
    /// when longer) of documents of that length, at the heads of Qwen3-Embedding-0.6B (16 / 8 kv × 128) and 4B (32 / 8 × 128).
    /// FLOPs count Q·Kᵀ and P·V over the causal half (2·L·(L+1)·D per head and document). Prints a line and a JSON line each.
    /// </summary>
    public static void RunAttention(int[] lengths)
    {
        var gpu = GpuSession.Get();
        var random = new Random(2);
        foreach (var (shape, heads, kvHeads) in new[] { ("0.6b", 16, 8), ("4b", 32, 8) })
        {
            const int headDim = 128;
            foreach (var length in lengths)
            {
                var count = Math.Max(1, 65536 / length);
                var total = count * length;
                var cu = Enumerable.Range(0, count + 1).Select(s => s * length).ToArray();
                var qkvWidth = (heads + 2 * kvHeads) * headDim;
                using var qkv = gpu.Upload(Bf16.Random(random, total * qkvWidth));
                using var cuOnGpu = gpu.Upload(cu);
                using var output = gpu.Context.Allocate((long)total * heads * headDim * 2);
                var flops = count * 2.0 * length * (length + 1) * headDim * heads;
                // Every kernel side by side (mma.sync's two query tiles, wgmma on Hopper), so the choice between them
                // (AttentionLauncher.Choose, DefaultQueryTile) rests on figures per length from one run.
                foreach (var (name, kernel, tile, wgmma) in AttentionVariants(gpu, headDim))
                {
                    if (wgmma is not null && !Builds(gpu, wgmma)) continue;
                    var ms = Time(gpu, () => AttentionLauncher.Launch(gpu.Kernels, gpu.Stream, qkv.Pointer, qkvWidth,
                        qkv.Pointer.Offset(heads * headDim * 2), qkv.Pointer.Offset((heads + kvHeads) * headDim * 2), qkvWidth,
                        output.Pointer, heads * headDim, cuOnGpu.Pointer, count, length, heads, kvHeads, headDim, tile, kernel, wgmma, total));
                    var tflops = flops / ms / 1e9;
                    Console.WriteLine($"attention {shape} heads {heads}/{kvHeads}x{headDim}, {count} x {length} tokens, {name}: {ms:F3} ms, {tflops:F1} TFLOP/s");
                    Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
                    {
                        side = "kernel", kernel = "attention", variant = name, shape, length, sequences = count, tile, ms, tflops, gpu = gpu.Context.Device.ToString(),
                    }));
                }
            }
        }
    }

    /// <summary>
    /// Whether the variant's module compiles and loads here; if not, says why and the benchmark goes on without it
    /// (the warp-specialized kernels are a module of their own, so the default's figures never depend on them).
    /// </summary>
    private static bool Builds(GpuSession gpu, AttentionLauncher.WgmmaVariant variant)
    {
        try
        {
            gpu.Kernels.Function(variant.File, variant.Function);
            return true;
        }
        catch (CudaException e)
        {
            Console.WriteLine($"attention wgmma {variant.Name}: {variant.File} does not build here, skipped: {e.Message}");
            return false;
        }
    }

    /// <summary>The attention kernels this GPU runs at this head_dim: mma.sync with 64- and 128-row tiles, and every wgmma variant on Hopper.</summary>
    private static List<(string Name, AttentionKernel Kernel, int Tile, AttentionLauncher.WgmmaVariant? Wgmma)> AttentionVariants(GpuSession gpu, int headDim)
    {
        var variants = new List<(string, AttentionKernel, int, AttentionLauncher.WgmmaVariant?)>
        {
            ("mma.sync q64", AttentionKernel.MmaSync, 64, null), ("mma.sync q128", AttentionKernel.MmaSync, 128, null),
        };
        if (AttentionLauncher.WgmmaSupported(gpu.Context.Device, headDim))
            variants.AddRange(AttentionLauncher.WgmmaVariants.Select(v => ($"wgmma {v.Name}", AttentionKernel.Wgmma, v.QueryTile, (AttentionLauncher.WgmmaVariant?)v)));
        return variants;
    }

    /// <summary>
    /// Qwen3-Embedding-0.6B end to end on the engine (random weights written here, ids fed directly): the corpus
    /// shape (20,000 documents, log-normal lengths 16-512, mean about 180), sorted by length, cut by a token budget.
    /// </summary>
    public static void RunModel(int documents, int[] budgets)
    {
        var directory = Path.Combine(Path.GetTempPath(), "qwen3-embedding-0.6b-random");
        if (!File.Exists(Path.Combine(directory, "model.safetensors")))
        {
            var clock = Stopwatch.StartNew();
            RandomModelWriter.Write(directory, RandomModelWriter.Qwen3Embedding06B);
            Console.WriteLine($"wrote random 0.6B weights in {clock.Elapsed.TotalSeconds:F1} s");
        }
        var random = new Random(7);
        var corpus = new List<int[]>(documents);
        long tokens = 0;
        for (var i = 0; i < documents; i++)
        {
            var length = (int)Math.Clamp(Math.Exp(5.05 + 0.55 * Normal(random)), 16, 512);
            var ids = new int[length];
            for (var t = 0; t < length; t++) ids[t] = random.Next(151669);
            corpus.Add(ids);
            tokens += length;
        }
        corpus.Sort((a, b) => b.Length.CompareTo(a.Length));
        Console.WriteLine($"corpus: {documents} documents, {tokens} tokens, mean {tokens / (double)documents:F0}");
        foreach (var budget in budgets)
        {
            var loadClock = Stopwatch.StartNew();
            using var model = EmbeddingModel.Load(directory, new EmbeddingOptions { BatchTokens = budget, MaxLength = 512 },
                new CudaOps(0, new KernelCache(Path.Combine(Path.GetTempPath(), "clustering-kernels-bench"))));
            var load = loadClock.Elapsed.TotalSeconds;
            var output = new float[documents * model.Dimensions];
            model.Embed(corpus.GetRange(0, Math.Min(500, documents)), output); // warm-up: cuBLASLt plans, module load
            var clock = Stopwatch.StartNew();
            model.Embed(corpus, output);
            var seconds = clock.Elapsed.TotalSeconds;
            var finite = output.All(float.IsFinite);
            Console.WriteLine($"qwen3-0.6b budget {budget} tokens: {tokens / seconds:F0} tokens/s ({seconds:F2} s; load {load:F1} s; outputs finite {finite})");
        }
    }

    private static double Time(GpuSession gpu, Action launch)
    {
        using var start = new CudaEvent(gpu.Context);
        using var end = new CudaEvent(gpu.Context);
        for (var i = 0; i < 3; i++) launch();
        gpu.Stream.Synchronize();
        var times = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            start.Record(gpu.Stream);
            launch();
            end.Record(gpu.Stream);
            end.Synchronize();
            times.Add(end.MillisecondsSince(start));
        }
        times.Sort();
        return times[times.Count / 2];
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
