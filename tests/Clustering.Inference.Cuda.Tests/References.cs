namespace Clustering.Inference.Cuda.Tests;

/// <summary>
/// The specification each kernel is checked against: plain loops in double precision over the same bf16 inputs
/// (widened exactly), written from the model's definition (Hugging Face Qwen3) rather than from the kernels.
/// </summary>
internal static class References
{
    public static double[] RmsNorm(float[] x, int rows, int n, float[] weight, double eps)
    {
        var output = new double[rows * n];
        for (var r = 0; r < rows; r++)
        {
            double sum = 0;
            for (var i = 0; i < n; i++) sum += (double)x[r * n + i] * x[r * n + i];
            var inv = 1.0 / Math.Sqrt(sum / n + eps);
            for (var i = 0; i < n; i++) output[r * n + i] = x[r * n + i] * inv * weight[i];
        }
        return output;
    }

    /// <summary>x (tokens, stride) with `heads` heads of headDim at columnOffset; returns only those columns, (tokens, heads·headDim).</summary>
    public static double[] HeadNormRope(float[] x, int tokens, int stride, int columnOffset, int heads, int headDim,
        float[] weight, int[] positions, double eps, double theta)
    {
        var width = heads * headDim;
        var half = headDim / 2;
        var output = new double[tokens * width];
        var v = new double[headDim];
        for (var t = 0; t < tokens; t++)
        for (var h = 0; h < heads; h++)
        {
            var b = t * stride + columnOffset + h * headDim;
            double sum = 0;
            for (var i = 0; i < headDim; i++) sum += (double)x[b + i] * x[b + i];
            var inv = 1.0 / Math.Sqrt(sum / headDim + eps);
            for (var i = 0; i < headDim; i++) v[i] = x[b + i] * inv * weight[i];
            for (var j = 0; j < half; j++)
            {
                var invFreq = 1.0 / Math.Pow(theta, 2.0 * j / headDim);
                var angle = positions[t] * invFreq;
                var (sin, cos) = Math.SinCos(angle);
                output[t * width + h * headDim + j] = v[j] * cos - v[j + half] * sin;
                output[t * width + h * headDim + j + half] = v[j + half] * cos + v[j] * sin;
            }
        }
        return output;
    }

    public static double Silu(double g) => g / (1 + Math.Exp(-g));

    /// <summary>Causal attention per sequence; q (tokens, qStride) heads at columns h·D, k/v (tokens, kvStride) at kvOffset + g·D.</summary>
    public static double[] Attention(float[] q, int qStride, float[] k, float[] v, int kvStride, int kOffset, int vOffset,
        int[] cuSeqLens, int heads, int kvHeads, int headDim)
    {
        var tokens = cuSeqLens[^1];
        var width = heads * headDim;
        var output = new double[tokens * width];
        var scale = 1.0 / Math.Sqrt(headDim);
        var groups = heads / kvHeads;
        for (var s = 0; s + 1 < cuSeqLens.Length; s++)
        {
            var start = cuSeqLens[s];
            var length = cuSeqLens[s + 1] - start;
            var scores = new double[length];
            for (var h = 0; h < heads; h++)
            {
                var g = h / groups;
                for (var i = 0; i < length; i++)
                {
                    var max = double.NegativeInfinity;
                    for (var j = 0; j <= i; j++)
                    {
                        double dot = 0;
                        for (var d = 0; d < headDim; d++)
                            dot += (double)q[(start + i) * qStride + h * headDim + d] * k[(start + j) * kvStride + kOffset + g * headDim + d];
                        scores[j] = dot * scale;
                        max = Math.Max(max, scores[j]);
                    }
                    double total = 0;
                    for (var j = 0; j <= i; j++) total += scores[j] = Math.Exp(scores[j] - max);
                    for (var d = 0; d < headDim; d++)
                    {
                        double acc = 0;
                        for (var j = 0; j <= i; j++) acc += scores[j] * v[(start + j) * kvStride + vOffset + g * headDim + d];
                        output[(start + i) * width + h * headDim + d] = acc / total;
                    }
                }
            }
        }
        return output;
    }

    /// <summary>y (rows, out) = x (rows, in) · W (out, in)ᵀ (+ c when given).</summary>
    public static double[] MatMul(float[] x, float[] w, int rows, int inFeatures, int outFeatures, float[]? c = null)
    {
        var y = new double[rows * outFeatures];
        for (var r = 0; r < rows; r++)
        for (var o = 0; o < outFeatures; o++)
        {
            double acc = c is null ? 0 : c[r * outFeatures + o];
            for (var i = 0; i < inFeatures; i++) acc += (double)x[r * inFeatures + i] * w[o * inFeatures + i];
            y[r * outFeatures + o] = acc;
        }
        return y;
    }
}
