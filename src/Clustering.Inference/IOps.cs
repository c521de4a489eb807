using Clustering.Models;

namespace Clustering.Inference;

/// <summary>
/// The operations a model graph is declared against. A backend (CPU, CUDA) implements each one over its own
/// <see cref="DeviceTensor"/> storage; model code never sees a device and backends never see a model.
/// Row-wise ops take the number of live rows; batch-aware ops (embedding, RoPE, attention, pooling) read the
/// batch given to <see cref="BeginBatch"/>. Fused ops are ops too (q/k norm + RoPE, matmul + residual add).
/// </summary>
public interface IOps : IDisposable
{
    /// <summary>Short name of the device, for logs and metadata ("cpu").</summary>
    string Device { get; }

    /// <summary>A linear layer's weight (out_features, in_features) as <see cref="MatMul"/> consumes it; the backend picks the dtype and layout.</summary>
    DeviceTensor LoadLinear(TensorView weight);

    /// <summary>
    /// Linear layers that read one input (q, k, v; gate, up), loaded as one weight whose rows are theirs in order, so
    /// that a backend may run them as one GEMM through <see cref="MatMul(DeviceTensor, DeviceTensor, IReadOnlyList{DeviceTensor}, int)"/>.
    /// By default they stay apart (a <see cref="LinearGroup"/>).
    /// </summary>
    DeviceTensor LoadLinears(IReadOnlyList<TensorView> weights) => LinearGroup.LoadEach(weights, LoadLinear);

    /// <summary>
    /// Activation buffers of (rows, widths[i]) for the outputs of one <see cref="LoadLinears"/> weight; a backend may
    /// lay them side by side as column slices of one (rows, Σ widths) buffer. By default, separate buffers.
    /// </summary>
    IReadOnlyList<DeviceTensor> AllocateColumns(int rows, IReadOnlyList<int> widths)
    {
        var buffers = new DeviceTensor[widths.Count];
        for (var i = 0; i < buffers.Length; i++) buffers[i] = Allocate(rows, widths[i]);
        return buffers;
    }

    /// <summary>outputs[i] (rows, out_i) = input (rows, in) · weights_iᵀ for a <see cref="LoadLinears"/> weight; outputs from <see cref="AllocateColumns"/>.</summary>
    void MatMul(DeviceTensor input, DeviceTensor weights, IReadOnlyList<DeviceTensor> outputs, int rows)
    {
        var group = weights as LinearGroup ?? throw new ArgumentException($"{weights} was not loaded by LoadLinears", nameof(weights));
        if (group.Parts.Count != outputs.Count)
            throw new ArgumentException($"{group.Parts.Count} linears but {outputs.Count} outputs", nameof(outputs));
        for (var i = 0; i < outputs.Count; i++) MatMul(input, group.Parts[i], outputs[i], rows);
    }

    /// <summary>A table read by rows: an embedding table (vocab, hidden) or a norm weight (hidden) as one row.</summary>
    DeviceTensor LoadRows(TensorView weight);

    /// <summary>An activation buffer of (rows, columns) floats; allocated once, at load, at batch capacity.</summary>
    DeviceTensor Allocate(int rows, int columns);

    /// <summary>Makes <paramref name="batch"/> the one the batch-aware ops read (a GPU copies its index arrays here).</summary>
    void BeginBatch(TokenBatch batch);

    /// <summary>output[t] = table[ids[t]] for every token of the batch. output: (tokens, hidden).</summary>
    void Embedding(DeviceTensor table, DeviceTensor output);

    /// <summary>output[r] = input[r] / sqrt(mean(input[r]²) + eps) · weight, for rows [0, rows). May run in place.</summary>
    void RmsNorm(DeviceTensor input, DeviceTensor weight, float eps, DeviceTensor output, int rows);

    /// <summary>output (rows, out) = input (rows, in) · weightᵀ, or += when <paramref name="accumulate"/> (the fused residual add).</summary>
    void MatMul(DeviceTensor input, DeviceTensor weight, DeviceTensor output, int rows, bool accumulate = false);

    /// <summary>
    /// In place on x (tokens, heads·headDim): RMSNorm over each head's headDim values with <paramref name="weight"/> (headDim),
    /// then non-interleaved rotary embedding (rotate_half) at each token's position with base <paramref name="ropeTheta"/>.
    /// </summary>
    void HeadNormRope(DeviceTensor x, DeviceTensor weight, int heads, int headDim, float eps, float ropeTheta);

    /// <summary>
    /// Causal attention inside each sequence of the batch (no padding): q (tokens, heads·headDim), k and v
    /// (tokens, kvHeads·headDim), query head h reads kv head h / (heads / kvHeads); scale 1/sqrt(headDim).
    /// output: (tokens, heads·headDim).
    /// </summary>
    void Attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, int heads, int kvHeads, int headDim, DeviceTensor output);

    /// <summary>output = silu(gate) · up element-wise over rows [0, rows). May run in place over gate.</summary>
    void SiluMul(DeviceTensor gate, DeviceTensor up, DeviceTensor output, int rows);

    /// <summary>output (sequences, columns): each sequence's last token, first token, or mean over its tokens.</summary>
    void Pool(DeviceTensor hidden, PoolingMode mode, DeviceTensor output);

    /// <summary>
    /// Whether <paramref name="error"/>, thrown by one of this backend's ops, says the device ran out of memory: the
    /// model then retries the batch in halves instead of failing. By default nothing is.
    /// </summary>
    bool IsOutOfMemory(Exception error) => false;

    /// <summary>Copies rows [0, rows) of <paramref name="source"/> to host memory, row-major.</summary>
    void Download(DeviceTensor source, int rows, Span<float> destination);
}
