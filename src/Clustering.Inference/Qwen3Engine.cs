using Clustering.Models;

namespace Clustering.Inference;

/// <summary>Our Qwen3 graph on a backend's ops: the engine of a safetensors Qwen3 directory. Owns the ops and the directory.</summary>
public sealed class Qwen3Engine : IEmbeddingEngine
{
    private readonly ModelDirectory _directory;
    private readonly IOps _ops;
    private readonly Qwen3 _model;

    public Qwen3Engine(ModelDirectory directory, IOps ops, int tokenCapacity, int sequenceCapacity)
    {
        _directory = directory;
        _ops = ops;
        _model = new Qwen3(directory.Config, directory.Tensors, ops, tokenCapacity, sequenceCapacity);
    }

    public string Device => _ops.Device;

    public void Forward(TokenBatch batch, PoolingMode pooling, Span<float> pooled)
    {
        _model.Forward(batch);
        var states = _model.NormAndPool(batch, pooling);
        _ops.Download(states, batch.SequenceCount, pooled);
    }

    public bool IsOutOfMemory(Exception e) => _ops.IsOutOfMemory(e);

    /// <summary>The residual stream after the first <paramref name="layers"/> layers, (tokens, hidden).</summary>
    internal void HiddenStates(TokenBatch batch, int layers, Span<float> output)
    {
        _model.Forward(batch, layers);
        _ops.Download(_model.Hidden, batch.TokenCount, output);
    }

    public void Dispose()
    {
        _model.Dispose();
        _ops.Dispose();
        _directory.Dispose();
    }
}
