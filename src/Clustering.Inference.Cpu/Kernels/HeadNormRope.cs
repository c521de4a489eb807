using System.Runtime.Intrinsics;

namespace Clustering.Inference.Cpu.Kernels;

/// <summary>
/// In place on x (tokens, heads·headDim): per head RMSNorm over headDim with w (headDim), then non-interleaved
/// RoPE at the token's position (table lookup). Fused so each head's values are read and written once.
/// Tokens split across workers.
/// </summary>
internal sealed unsafe class HeadNormRope(WorkerPool pool) : IParallelWork
{
    private const int TokensPerItem = 8;
    private float* _x, _w;
    private int* _positions;
    private int _tokens, _heads, _headDim;
    private float _eps;
    private RopeTable? _rope;

    public void Run(float* x, float* w, int* positions, int tokens, int heads, int headDim, float eps, RopeTable rope)
    {
        _x = x; _w = w; _positions = positions;
        _tokens = tokens; _heads = heads; _headDim = headDim; _eps = eps; _rope = rope;
        pool.Run(this, (tokens + TokensPerItem - 1) / TokensPerItem);
        _rope = null;
    }

    public void Execute(int item, int worker)
    {
        var end = Math.Min(_tokens, (item + 1) * TokensPerItem);
        for (var t = item * TokensPerItem; t < end; t++)
        {
            var cos = _rope!.Cos(_positions[t]);
            var sin = _rope.Sin(_positions[t]);
            for (var h = 0; h < _heads; h++)
            {
                var v = _x + ((long)t * _heads + h) * _headDim;
                RmsNorm.Row(v, _w, _eps, v, _headDim);
                Rotate(v, cos, sin, _headDim / 2);
            }
        }
    }

    /// <summary>(x1, x2) ← (x1·cos − x2·sin, x2·cos + x1·sin) over the two halves of one head.</summary>
    private static void Rotate(float* v, float* cos, float* sin, int half)
    {
        var x1 = v;
        var x2 = v + half;
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= half; i += 16)
            {
                var a = Vector512.Load(x1 + i);
                var b = Vector512.Load(x2 + i);
                var c = Vector512.Load(cos + i);
                var s = Vector512.Load(sin + i);
                (a * c - b * s).Store(x1 + i);
                (b * c + a * s).Store(x2 + i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= half; i += 8)
            {
                var a = Vector256.Load(x1 + i);
                var b = Vector256.Load(x2 + i);
                var c = Vector256.Load(cos + i);
                var s = Vector256.Load(sin + i);
                (a * c - b * s).Store(x1 + i);
                (b * c + a * s).Store(x2 + i);
            }
        }
        for (; i < half; i++)
        {
            var a = x1[i];
            var b = x2[i];
            x1[i] = a * cos[i] - b * sin[i];
            x2[i] = b * cos[i] + a * sin[i];
        }
    }
}
