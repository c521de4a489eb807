using System.Globalization;
using Clustering.Models;

namespace Clustering.Inference;

/// <summary>
/// Qwen3 (the text model of Qwen3-Embedding), declared once against <see cref="IOps"/>; it follows Hugging Face
/// modeling_qwen3.py: embed_tokens → N × decoder layer (pre-norm attention with per-head q/k RMSNorm before
/// non-interleaved RoPE and GQA, then a SwiGLU MLP, each added to the residual stream) → final norm.
/// Weights are named from the module path. The residual adds are fused into o_proj and down_proj
/// (matmul with accumulate), so <see cref="Hidden"/> is always HF's hidden_states[i] after layer i.
/// Activation buffers are allocated once for <see cref="TokenCapacity"/> tokens.
/// </summary>
public sealed class Qwen3 : IDisposable
{
    private readonly Qwen3Config _config;
    private readonly IOps _ops;
    private readonly float _eps;
    private readonly DeviceTensor _embedTokens; // (vocab, hidden)
    private readonly DecoderLayer[] _layers;
    private readonly DeviceTensor _norm;        // (1, hidden)
    private readonly Activations _act;

    public int TokenCapacity { get; }
    public int SequenceCapacity { get; }
    public int HiddenSize => _config.HiddenSize;

    /// <summary>The residual stream (tokens, hidden): after <see cref="Forward"/>, the last layer's output before the final norm.</summary>
    internal DeviceTensor Hidden => _act.Residual;

    public Qwen3(Qwen3Config config, TensorStore weights, IOps ops, int tokenCapacity, int sequenceCapacity)
    {
        _config = config;
        _ops = ops;
        _eps = (float)config.RmsNormEps;
        TokenCapacity = tokenCapacity;
        SequenceCapacity = sequenceCapacity;
        var disposables = new List<IDisposable>();
        try
        {
            _embedTokens = Track(ops.LoadRows(weights.Get("embed_tokens.weight")), disposables);
            _layers = new DecoderLayer[config.NumHiddenLayers];
            for (var i = 0; i < _layers.Length; i++)
                _layers[i] = new DecoderLayer(config, weights, "layers." + i.ToString(CultureInfo.InvariantCulture) + ".", ops, disposables);
            _norm = Track(ops.LoadRows(weights.Get("norm.weight")), disposables);
            _act = new Activations(config, ops, tokenCapacity, sequenceCapacity, disposables);
        }
        catch
        {
            foreach (var d in disposables) d.Dispose();
            throw;
        }
        _owned = disposables;
    }

    private readonly List<IDisposable> _owned;

    /// <summary>Runs the embedding and the first <paramref name="layers"/> decoder layers (all by default) over the batch.</summary>
    public void Forward(TokenBatch batch, int layers = -1)
    {
        if (batch.TokenCount > TokenCapacity || batch.SequenceCount > SequenceCapacity)
            throw new ArgumentException($"batch of {batch.TokenCount} tokens / {batch.SequenceCount} sequences exceeds the model's capacity {TokenCapacity} / {SequenceCapacity}");
        _ops.BeginBatch(batch);
        _ops.Embedding(_embedTokens, _act.Residual);
        var count = layers < 0 ? _layers.Length : Math.Min(layers, _layers.Length);
        for (var i = 0; i < count; i++) _layers[i].Forward(_act, batch.TokenCount);
    }

    /// <summary>
    /// The final norm and the sentence pooling, into (sequences, hidden). For last-token and CLS pooling only the
    /// pooled rows are normalized (the norm is per token, so this equals pooling the normalized sequence).
    /// </summary>
    public DeviceTensor NormAndPool(TokenBatch batch, PoolingMode pooling)
    {
        if (pooling == PoolingMode.Mean)
        {
            _ops.RmsNorm(_act.Residual, _norm, _eps, _act.Normed, batch.TokenCount);
            _ops.Pool(_act.Normed, pooling, _act.Pooled);
        }
        else
        {
            _ops.Pool(_act.Residual, pooling, _act.Pooled);
            _ops.RmsNorm(_act.Pooled, _norm, _eps, _act.Pooled, batch.SequenceCount);
        }
        return _act.Pooled;
    }

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }

    private static DeviceTensor Track(DeviceTensor tensor, List<IDisposable> owned)
    {
        owned.Add(tensor);
        return tensor;
    }

    /// <summary>The batch's working buffers, shared by all layers.</summary>
    private sealed class Activations
    {
        public readonly DeviceTensor Residual; // (tokens, hidden)
        public readonly DeviceTensor Normed;   // (tokens, hidden)
        public readonly DeviceTensor Q;        // (tokens, heads · head_dim)    ┐ q, k, v: one fused projection's outputs,
        public readonly DeviceTensor K;        // (tokens, kv_heads · head_dim) │ column slices of one buffer where the
        public readonly DeviceTensor V;        // (tokens, kv_heads · head_dim) ┘ backend lays them side by side
        public readonly IReadOnlyList<DeviceTensor> Qkv;
        public readonly DeviceTensor Attn;     // (tokens, heads · head_dim)
        public readonly DeviceTensor Gate;     // (tokens, intermediate) ┐ gate, up: likewise
        public readonly DeviceTensor Up;       // (tokens, intermediate) ┘
        public readonly IReadOnlyList<DeviceTensor> GateUp;
        public readonly DeviceTensor Pooled;   // (sequences, hidden)

        public Activations(Qwen3Config c, IOps ops, int tokens, int sequences, List<IDisposable> owned)
        {
            Residual = Track(ops.Allocate(tokens, c.HiddenSize), owned);
            Normed = Track(ops.Allocate(tokens, c.HiddenSize), owned);
            Qkv = ops.AllocateColumns(tokens, [c.NumAttentionHeads * c.HeadDim, c.NumKeyValueHeads * c.HeadDim, c.NumKeyValueHeads * c.HeadDim]);
            foreach (var t in Qkv) Track(t, owned);
            (Q, K, V) = (Qkv[0], Qkv[1], Qkv[2]);
            Attn = Track(ops.Allocate(tokens, c.NumAttentionHeads * c.HeadDim), owned);
            GateUp = ops.AllocateColumns(tokens, [c.IntermediateSize, c.IntermediateSize]);
            foreach (var t in GateUp) Track(t, owned);
            (Gate, Up) = (GateUp[0], GateUp[1]);
            Pooled = Track(ops.Allocate(sequences, c.HiddenSize), owned);
        }
    }

    /// <summary>Qwen3Attention: q/k/v projections, q_norm/k_norm per head, RoPE, causal GQA attention, o_proj.</summary>
    private sealed class SelfAttention(Qwen3Config c, TensorStore w, string p, IOps ops, List<IDisposable> owned)
    {
        // q_proj, k_proj, v_proj read the same input: one weight, one GEMM where the backend fuses them.
        private readonly DeviceTensor _qkvProj = Track(ops.LoadLinears([w.Get(p + "q_proj.weight"), w.Get(p + "k_proj.weight"), w.Get(p + "v_proj.weight")]), owned);
        private readonly DeviceTensor _oProj = Track(ops.LoadLinear(w.Get(p + "o_proj.weight")), owned);
        private readonly DeviceTensor _qNorm = Track(ops.LoadRows(w.Get(p + "q_norm.weight")), owned);
        private readonly DeviceTensor _kNorm = Track(ops.LoadRows(w.Get(p + "k_norm.weight")), owned);
        private readonly float _eps = (float)c.RmsNormEps;
        private readonly float _theta = (float)c.RopeTheta;

        /// <summary>residual += o_proj(attention(x)).</summary>
        public void Forward(DeviceTensor x, DeviceTensor residual, Activations a, int tokens)
        {
            ops.MatMul(x, _qkvProj, a.Qkv, tokens);
            ops.HeadNormRope(a.Q, _qNorm, c.NumAttentionHeads, c.HeadDim, _eps, _theta);
            ops.HeadNormRope(a.K, _kNorm, c.NumKeyValueHeads, c.HeadDim, _eps, _theta);
            ops.Attention(a.Q, a.K, a.V, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, a.Attn);
            ops.MatMul(a.Attn, _oProj, residual, tokens, accumulate: true);
        }
    }

    /// <summary>Qwen3MLP: down_proj(silu(gate_proj(x)) · up_proj(x)).</summary>
    private sealed class Mlp(TensorStore w, string p, IOps ops, List<IDisposable> owned)
    {
        private readonly DeviceTensor _gateUpProj = Track(ops.LoadLinears([w.Get(p + "gate_proj.weight"), w.Get(p + "up_proj.weight")]), owned);
        private readonly DeviceTensor _downProj = Track(ops.LoadLinear(w.Get(p + "down_proj.weight")), owned);

        /// <summary>residual += mlp(x).</summary>
        public void Forward(DeviceTensor x, DeviceTensor residual, Activations a, int tokens)
        {
            ops.MatMul(x, _gateUpProj, a.GateUp, tokens);
            ops.SiluMul(a.Gate, a.Up, a.Gate, tokens);
            ops.MatMul(a.Gate, _downProj, residual, tokens, accumulate: true);
        }
    }

    /// <summary>Qwen3DecoderLayer: x = x + attn(input_layernorm(x)); x = x + mlp(post_attention_layernorm(x)).</summary>
    private sealed class DecoderLayer(Qwen3Config c, TensorStore w, string p, IOps ops, List<IDisposable> owned)
    {
        private readonly DeviceTensor _inputLayernorm = Track(ops.LoadRows(w.Get(p + "input_layernorm.weight")), owned);
        private readonly SelfAttention _selfAttn = new(c, w, p + "self_attn.", ops, owned);
        private readonly DeviceTensor _postAttentionLayernorm = Track(ops.LoadRows(w.Get(p + "post_attention_layernorm.weight")), owned);
        private readonly Mlp _mlp = new(w, p + "mlp.", ops, owned);
        private readonly float _eps = (float)c.RmsNormEps;

        public void Forward(Activations a, int tokens)
        {
            ops.RmsNorm(a.Residual, _inputLayernorm, _eps, a.Normed, tokens);
            _selfAttn.Forward(a.Normed, a.Residual, a, tokens);
            ops.RmsNorm(a.Residual, _postAttentionLayernorm, _eps, a.Normed, tokens);
            _mlp.Forward(a.Normed, a.Residual, a, tokens);
        }
    }
}
