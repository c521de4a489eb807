namespace Clustering.Inference.Cpu.Kernels;

/// <summary>The specification of <see cref="SiluMul"/> (HF act_fn(gate_proj(x)) · up_proj(x)): y = g / (1 + e^−g) · u.</summary>
internal static class SiluMulReference
{
    public static void Run(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> y)
    {
        for (var i = 0; i < y.Length; i++) y[i] = (float)(gate[i] / (1.0 + Math.Exp(-gate[i])) * up[i]);
    }
}
