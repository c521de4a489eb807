using System.Numerics.Tensors;
using Clustering.Models;

namespace Clustering.Inference.Cpu.Kernels;

/// <summary>
/// Sequence pooling over a flat batch: hidden (tokens, cols) → output (sequences, cols): the pooled-index token
/// (last token), the first token (CLS), or the mean over the sequence's tokens. A copy or a sum: no reference twin.
/// </summary>
internal static class Pooling
{
    public static void Run(CpuTensor hidden, TokenBatch batch, PoolingMode mode, CpuTensor output)
    {
        for (var s = 0; s < batch.SequenceCount; s++)
        {
            var dst = output.Row(s);
            switch (mode)
            {
                case PoolingMode.LastToken: hidden.Row(batch.PooledIndices[s]).CopyTo(dst); break;
                case PoolingMode.Cls: hidden.Row(batch.SequenceStart(s)).CopyTo(dst); break;
                case PoolingMode.Mean:
                    var start = batch.SequenceStart(s);
                    var length = batch.SequenceLength(s);
                    hidden.Row(start).CopyTo(dst);
                    for (var t = 1; t < length; t++) TensorPrimitives.Add(dst, hidden.Row(start + t), dst);
                    TensorPrimitives.Multiply(dst, 1f / length, dst);
                    break;
                default: throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown pooling mode");
            }
        }
    }
}
