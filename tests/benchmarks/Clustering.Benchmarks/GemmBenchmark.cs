using System.Diagnostics;
using Clustering.Inference.Cpu;
using Clustering.Inference.Cpu.Kernels;

namespace Clustering.Benchmarks;

/// <summary>`engine-gemm [--m M --n N --k K --threads T --kernel Avx512|Avx2|Scalar]`: the CPU GEMM's GFLOP/s (wall and per CPU-second).</summary>
internal static class GemmBenchmark
{
    public static unsafe int Run(string[] args)
    {
        var a = EngineBenchmark.Args.Parse(args);
        int m = a.Int("--m", 2048), n = a.Int("--n", 1024), k = a.Int("--k", 1024), threads = a.Int("--threads", 1);
        var kernel = Enum.Parse<GemmKernel>(a.Get("--kernel") ?? "Auto");
        var rng = new Random(1);
        var A = new float[m * k];
        var Bm = new float[n * k];
        var C = new float[m * n];
        for (var i = 0; i < A.Length; i++) A[i] = (float)rng.NextDouble();
        for (var i = 0; i < Bm.Length; i++) Bm[i] = (float)rng.NextDouble();
        using var pool = new WorkerPool(threads);
        using var gemm = new Gemm(pool, kernel);
        using var packed = gemm.Pack(Bm, n, k);
        fixed (float* pa = A, pc = C)
        {
            gemm.Run(pa, k, m, packed, pc, n, false);
            var reps = Math.Max(1, (int)(2e10 / (2.0 * m * n * k)));
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (var r = 0; r < reps; r++) gemm.Run(pa, k, m, packed, pc, n, false);
            var wall = clock.Elapsed.TotalSeconds;
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            var flops = 2.0 * m * n * k * reps;
            Console.WriteLine($"gemm {gemm.Kernel} {m}x{n}x{k}, {threads} threads: {flops / wall / 1e9:F1} GFLOP/s wall, {flops / cpu / 1e9:F1} GFLOP/s per CPU-second");
        }
        return 0;
    }
}
