using System.Numerics.Tensors;

namespace Clustering.Inference.Cpu.Kernels;

/// <summary>
/// Variable-length causal attention without padding (flash-attention's schedule on the CPU).
/// q (tokens, heads·headDim); k, v (tokens, kvHeads·headDim); output like q. A work item is one
/// (sequence, query head, block of QueryBlock query rows); the items of a batch are listed once per batch and
/// claimed dynamically, so long and short sequences balance across workers. Inside an item, keys are walked
/// in tiles of KeyBlock rows (a tile of k and v stays in L1/L2 while every query row of the block uses it) with an
/// online softmax per row: running max m, running sum l, output accumulator o rescaled by exp(m_old − m_new).
/// GQA by index: query head h reads kv head h / (heads / kvHeads); nothing is repeated in memory.
/// Scratch per worker (scores, o, m, l) is allocated once.
/// </summary>
internal sealed unsafe class Attention : IParallelWork, IDisposable
{
    public const int QueryBlock = 32;
    public const int KeyBlock = 64;

    private readonly WorkerPool _pool;
    private readonly int _maxHeadDim;
    private readonly NativeBuffer[] _scratch; // per worker: scores (KeyBlock) + m, l (QueryBlock) + o (QueryBlock, headDim)
    private int[] _items = new int[256];     // packed (sequence, first query row) per item, without the head

    private float* _q, _k, _v, _out;
    private int* _cu;
    private int _heads, _kvHeads, _headDim;

    public Attention(WorkerPool pool, int maxHeadDim = 512)
    {
        _pool = pool;
        _maxHeadDim = maxHeadDim;
        _scratch = new NativeBuffer[pool.Workers];
        for (var w = 0; w < pool.Workers; w++) _scratch[w] = new NativeBuffer(KeyBlock + 2 * QueryBlock + QueryBlock * maxHeadDim);
    }

    public void Run(float* q, float* k, float* v, int* cuSeqLens, int sequences, int heads, int kvHeads, int headDim, float* output)
    {
        if (headDim > _maxHeadDim) throw new ArgumentOutOfRangeException(nameof(headDim), headDim, $"head_dim above {_maxHeadDim}");
        if (heads % kvHeads != 0) throw new ArgumentException($"{heads} query heads do not divide into {kvHeads} kv heads");
        // List the query blocks once; items are (block, head) and workers claim them one by one.
        var blocks = 0;
        for (var s = 0; s < sequences; s++) blocks += (cuSeqLens[s + 1] - cuSeqLens[s] + QueryBlock - 1) / QueryBlock;
        if (_items.Length < 2 * blocks) _items = new int[Math.Max(2 * blocks, 2 * _items.Length)];
        var n = 0;
        for (var s = 0; s < sequences; s++)
        for (var row = 0; row < cuSeqLens[s + 1] - cuSeqLens[s]; row += QueryBlock)
        {
            _items[2 * n] = s;
            _items[2 * n + 1] = row;
            n++;
        }
        _q = q; _k = k; _v = v; _out = output; _cu = cuSeqLens;
        _heads = heads; _kvHeads = kvHeads; _headDim = headDim;
        _pool.Run(this, blocks * heads);
    }

    public void Execute(int item, int worker)
    {
        var block = item / _heads;
        var h = item % _heads;
        var sequence = _items[2 * block];
        var row0 = _items[2 * block + 1];
        var start = _cu[sequence];
        var length = _cu[sequence + 1] - start;
        var rows = Math.Min(QueryBlock, length - row0);
        var headDim = _headDim;
        var kvh = h / (_heads / _kvHeads);
        var qStride = _heads * headDim;
        var kvStride = _kvHeads * headDim;
        var scale = 1f / MathF.Sqrt(headDim);

        var scratch = _scratch[worker].Pointer;
        var scores = scratch;
        var m = scratch + KeyBlock;
        var l = m + QueryBlock;
        var o = l + QueryBlock;
        for (var r = 0; r < rows; r++)
        {
            m[r] = float.NegativeInfinity;
            l[r] = 0f;
        }
        new Span<float>(o, rows * headDim).Clear();

        var qBase = _q + (long)(start + row0) * qStride + h * headDim;
        var kBase = _k + (long)start * kvStride + kvh * headDim;
        var vBase = _v + (long)start * kvStride + kvh * headDim;
        var lastKey = row0 + rows; // keys [0, lastKey) are visible to some row of the block
        for (var j0 = 0; j0 < lastKey; j0 += KeyBlock)
        {
            for (var r = 0; r < rows; r++)
            {
                var i = row0 + r;
                var keys = Math.Min(KeyBlock, i + 1 - j0); // causal: row i sees keys ≤ i
                if (keys <= 0) continue;
                var qi = qBase + (long)r * qStride;
                var tileMax = float.NegativeInfinity;
                for (var j = 0; j < keys; j++)
                {
                    var s = Simd.Dot(qi, kBase + (long)(j0 + j) * kvStride, headDim) * scale;
                    scores[j] = s;
                    if (s > tileMax) tileMax = s;
                }
                var mNew = Math.Max(m[r], tileMax);
                var correction = MathF.Exp(m[r] - mNew); // exp(−∞) = 0 on the first tile
                var p = new Span<float>(scores, keys);
                TensorPrimitives.Subtract(p, mNew, p);
                TensorPrimitives.Exp(p, p);
                l[r] = l[r] * correction + TensorPrimitives.Sum(p);
                m[r] = mNew;
                var oi = o + r * headDim;
                Simd.ScaleAddScaled(oi, correction, vBase + (long)j0 * kvStride, scores[0], headDim);
                for (var j = 1; j < keys; j++) Simd.AddScaled(oi, vBase + (long)(j0 + j) * kvStride, scores[j], headDim);
            }
        }

        for (var r = 0; r < rows; r++)
        {
            var dst = _out + (long)(start + row0 + r) * qStride + h * headDim;
            var inv = 1f / l[r];
            var oi = o + r * headDim;
            for (var d = 0; d < headDim; d++) dst[d] = oi[d] * inv;
        }
    }

    public void Dispose()
    {
        foreach (var b in _scratch) b.Dispose();
    }
}
