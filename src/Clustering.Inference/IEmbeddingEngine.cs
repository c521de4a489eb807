using Clustering.Models;

namespace Clustering.Inference;

/// <summary>
/// What runs a model on a device, behind <see cref="EmbeddingModel"/>: a batch of token sequences in, one pooled
/// hidden state per sequence out. Our Qwen3 graph on CPU/CUDA ops is one engine (<see cref="Qwen3Engine"/>); ONNX
/// Runtime running any exported encoder is another (Clustering.Inference.Onnx). Batching, the device gate, MRL,
/// normalization, prompts and the tokenizer stay in <see cref="EmbeddingModel"/>, the same for every engine.
/// </summary>
public interface IEmbeddingEngine : IDisposable
{
    /// <summary>Where it runs ("cpu", "cuda:0").</summary>
    string Device { get; }

    /// <summary>Runs the batch and writes each sequence's pooled state: <paramref name="pooled"/> (sequences, hidden).</summary>
    void Forward(TokenBatch batch, PoolingMode pooling, Span<float> pooled);

    /// <summary>True when <paramref name="e"/> says the device ran out of memory (the batch is then retried in halves).</summary>
    bool IsOutOfMemory(Exception e);
}

/// <summary>The sizes of a model that callers read (config.json's names).</summary>
public sealed record ModelShape(int HiddenSize, int VocabSize, int MaxPositionEmbeddings, int NumHiddenLayers);
