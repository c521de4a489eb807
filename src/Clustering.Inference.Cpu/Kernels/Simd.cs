using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Clustering.Inference.Cpu.Kernels;

/// <summary>Small vector loops shared by the kernels: Vector512 → Vector256 → scalar, unaligned loads.</summary>
internal static unsafe class Simd
{
    /// <summary>Σ a[i]·b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* a, float* b, int n)
    {
        var i = 0;
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            for (; i + 32 <= n; i += 32)
            {
                acc0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), acc0);
                acc1 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i + 16), Vector512.Load(b + i + 16), acc1);
            }
            for (; i + 16 <= n; i += 16) acc0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), acc0);
            sum = Vector512.Sum(acc0 + acc1);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i + 8 <= n; i += 8) acc = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), acc);
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++) sum = MathF.FusedMultiplyAdd(a[i], b[i], sum);
        return sum;
    }

    /// <summary>Σ x[i]².</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumOfSquares(float* x, int n) => Dot(x, x, n);

    /// <summary>y[i] = y[i]·scale + x[i]·alpha (the online-softmax output update).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScaleAddScaled(float* y, float scale, float* x, float alpha, int n)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var s = Vector512.Create(scale);
            var a = Vector512.Create(alpha);
            for (; i + 16 <= n; i += 16)
                Vector512.FusedMultiplyAdd(Vector512.Load(x + i), a, Vector512.Load(y + i) * s).Store(y + i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(scale);
            var a = Vector256.Create(alpha);
            for (; i + 8 <= n; i += 8)
                Vector256.FusedMultiplyAdd(Vector256.Load(x + i), a, Vector256.Load(y + i) * s).Store(y + i);
        }
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(x[i], alpha, y[i] * scale);
    }

    /// <summary>y[i] += x[i]·alpha.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaled(float* y, float* x, float alpha, int n)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var a = Vector512.Create(alpha);
            for (; i + 16 <= n; i += 16) Vector512.FusedMultiplyAdd(Vector512.Load(x + i), a, Vector512.Load(y + i)).Store(y + i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.Create(alpha);
            for (; i + 8 <= n; i += 8) Vector256.FusedMultiplyAdd(Vector256.Load(x + i), a, Vector256.Load(y + i)).Store(y + i);
        }
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(x[i], alpha, y[i]);
    }

    /// <summary>y[i] = x[i]·scale·w[i] (RMSNorm's output, in HF's order: weight · (x · rsqrt)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScaleMultiply(float* x, float scale, float* w, float* y, int n)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var s = Vector512.Create(scale);
            for (; i + 16 <= n; i += 16) (Vector512.Load(w + i) * (Vector512.Load(x + i) * s)).Store(y + i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(scale);
            for (; i + 8 <= n; i += 8) (Vector256.Load(w + i) * (Vector256.Load(x + i) * s)).Store(y + i);
        }
        for (; i < n; i++) y[i] = w[i] * (x[i] * scale);
    }
}
