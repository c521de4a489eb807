using Clustering.Inference.Cpu.Kernels;

namespace Clustering.Inference.Cpu;

/// <summary>Settings of the CPU backend.</summary>
public sealed record CpuOptions
{
    /// <summary>Worker threads for every kernel (the caller's thread counts as one); 0 = all logical processors.</summary>
    public int Threads { get; init; }

    /// <summary>The GEMM micro-kernel; Auto picks AVX-512, then AVX2+FMA, then scalar. Tests force each one.</summary>
    public GemmKernel Gemm { get; init; } = GemmKernel.Auto;
}
