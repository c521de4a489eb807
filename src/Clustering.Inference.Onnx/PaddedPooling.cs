using Clustering.Models;

namespace Clustering.Inference.Onnx;

/// <summary>
/// sentence-transformers' Pooling over one padded row of token states (length, hidden) whose first n tokens are real:
/// the mean of those n (sum in double, then divided), the first (CLS) or the n-th (last token).
/// </summary>
internal static class PaddedPooling
{
    public static void Pool(ReadOnlySpan<float> states, int n, int hidden, PoolingMode mode, Span<float> output)
    {
        switch (mode)
        {
            case PoolingMode.Cls:
                states[..hidden].CopyTo(output);
                return;
            case PoolingMode.LastToken:
                states.Slice((n - 1) * hidden, hidden).CopyTo(output);
                return;
            case PoolingMode.Mean:
            {
                Span<double> sum = hidden <= 4096 ? stackalloc double[hidden] : new double[hidden];
                sum.Clear();
                for (int t = 0; t < n; t++)
                {
                    var row = states.Slice(t * hidden, hidden);
                    for (int h = 0; h < hidden; h++) sum[h] += row[h];
                }
                for (int h = 0; h < hidden; h++) output[h] = (float)(sum[h] / n);
                return;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown pooling");
        }
    }
}
