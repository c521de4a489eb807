namespace Clustering.Inference.Cpu.Kernels;

/// <summary>
/// cos/sin of the rotary angles, (positions, headDim/2) each, computed as HF Qwen3RotaryEmbedding does in fp32:
/// inv_freq[i] = 1 / theta^(2i/headDim), angle = float(position · inv_freq[i]), then cos/sin of that float.
/// Grown (re-allocated) only when a batch holds a longer sequence than any before.
/// </summary>
internal sealed unsafe class RopeTable : IDisposable
{
    private NativeBuffer? _cos;
    private NativeBuffer? _sin;
    private readonly float[] _invFreq;

    public int HeadDim { get; }
    public float Theta { get; }
    public int Positions { get; private set; }

    public RopeTable(int headDim, float theta)
    {
        if (headDim % 2 != 0) throw new ArgumentException($"rotary head_dim must be even, got {headDim}", nameof(headDim));
        HeadDim = headDim;
        Theta = theta;
        _invFreq = InverseFrequencies(headDim, theta);
    }

    public static float[] InverseFrequencies(int headDim, float theta)
    {
        var half = headDim / 2;
        var inv = new float[half];
        for (var i = 0; i < half; i++) inv[i] = 1f / (float)Math.Pow(theta, (float)(2 * i) / headDim);
        return inv;
    }

    public float* Cos(int position) => _cos!.Pointer + (long)position * (HeadDim / 2);
    public float* Sin(int position) => _sin!.Pointer + (long)position * (HeadDim / 2);

    public void EnsurePositions(int positions)
    {
        if (positions <= Positions) return;
        var grown = Math.Max(positions, Math.Min(2 * Positions, 1 << 20));
        var half = HeadDim / 2;
        var cos = new NativeBuffer((long)grown * half);
        var sin = new NativeBuffer((long)grown * half);
        for (var p = 0; p < grown; p++)
        for (var i = 0; i < half; i++)
        {
            var angle = (float)p * _invFreq[i];
            cos.Pointer[(long)p * half + i] = (float)Math.Cos(angle);
            sin.Pointer[(long)p * half + i] = (float)Math.Sin(angle);
        }
        _cos?.Dispose();
        _sin?.Dispose();
        (_cos, _sin, Positions) = (cos, sin, grown);
    }

    public void Dispose()
    {
        _cos?.Dispose();
        _sin?.Dispose();
    }
}
