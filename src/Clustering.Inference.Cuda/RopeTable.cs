using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda;

/// <summary>
/// Rotary embedding's (cos, sin) for positions [0, Positions) and pairs j &lt; headDim/2, as head_norm_rope.cu reads
/// them: (positions, headDim/2) float2. The angle is Hugging Face's, in fp32: inv_freq = 1 / theta^(2j/headDim)
/// rounded to float, times float(position) rounded to float; cos and sin of that float angle are then taken exactly
/// (in double) and rounded once. Built on the host, uploaded once per (headDim, theta), grown when a longer
/// sequence arrives.
/// </summary>
public sealed class RopeTable : IDisposable
{
    public int HeadDim { get; }
    public float Theta { get; }
    public int Positions { get; }
    public DeviceMemory Memory { get; }

    public RopeTable(CudaContext context, CudaStream stream, int headDim, float theta, int positions)
    {
        HeadDim = headDim;
        Theta = theta;
        Positions = positions;
        var values = Compute(headDim, theta, positions);
        Memory = context.Allocate(values.Length * 4L);
        stream.CopyToDevice(Memory.Pointer, (ReadOnlySpan<float>)values);
        stream.Synchronize();
    }

    /// <summary>(positions, headDim/2, 2) floats: cos then sin.</summary>
    public static float[] Compute(int headDim, float theta, int positions)
    {
        var half = headDim / 2;
        var inverseFrequency = new float[half];
        for (var j = 0; j < half; j++) inverseFrequency[j] = (float)(1.0 / Math.Pow(theta, (double)(2 * j) / headDim));
        var table = new float[(long)positions * half * 2];
        for (var p = 0; p < positions; p++)
        for (var j = 0; j < half; j++)
        {
            var angle = (float)p * inverseFrequency[j]; // fp32 product, as torch computes freqs
            var (sin, cos) = Math.SinCos((double)angle);
            table[((long)p * half + j) * 2] = (float)cos;
            table[((long)p * half + j) * 2 + 1] = (float)sin;
        }
        return table;
    }

    public void Dispose() => Memory.Dispose();
}
