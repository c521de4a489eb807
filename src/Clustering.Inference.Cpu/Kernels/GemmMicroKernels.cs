using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Clustering.Inference.Cpu.Kernels;

/// <summary>Which micro-kernel the GEMM uses; it fixes the panel widths (Mr rows of A, Nr columns of B).</summary>
public enum GemmKernel
{
    /// <summary>Picks the widest the CPU supports.</summary>
    Auto,
    /// <summary>8×32 tile: 16 zmm accumulators, two B loads and a broadcast per k.</summary>
    Avx512,
    /// <summary>6×16 tile: 12 ymm accumulators, two B loads and a broadcast per k.</summary>
    Avx2,
    /// <summary>Plain loops, 4×16: for CPUs without FMA.</summary>
    Scalar,
}

/// <summary>
/// The GEMM's inner tiles: C[Mr×Nr] (+)= Apanel · Bpanel over kc steps, where Apanel is kc×Mr (one k-slice of
/// Mr rows per step, packed by <see cref="Gemm"/>) and Bpanel is kc×Nr (<see cref="PackedMatrix"/>). All
/// accumulators live in registers for the whole k loop; C is read once and written once.
/// </summary>
internal static unsafe class GemmMicroKernels
{
    public static GemmKernel Resolve(GemmKernel kernel) => kernel switch
    {
        GemmKernel.Auto when Avx512F.IsSupported => GemmKernel.Avx512,
        GemmKernel.Auto when Avx2.IsSupported && Fma.IsSupported => GemmKernel.Avx2,
        GemmKernel.Auto => GemmKernel.Scalar,
        GemmKernel.Avx512 when !Avx512F.IsSupported => throw new PlatformNotSupportedException("this CPU has no AVX-512F"),
        GemmKernel.Avx2 when !(Avx2.IsSupported && Fma.IsSupported) => throw new PlatformNotSupportedException("this CPU has no AVX2+FMA"),
        _ => kernel,
    };

    public static (int Mr, int Nr) Shape(GemmKernel kernel) => kernel switch
    {
        GemmKernel.Avx512 => (8, 32),
        GemmKernel.Avx2 => (6, 16),
        GemmKernel.Scalar => (4, 16),
        _ => throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "resolve Auto first"),
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512x8x32(int kc, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (accumulate)
        {
            c00 = Avx512F.LoadVector512(c); c01 = Avx512F.LoadVector512(c + 16);
            c10 = Avx512F.LoadVector512(c + ldc); c11 = Avx512F.LoadVector512(c + ldc + 16);
            c20 = Avx512F.LoadVector512(c + 2 * ldc); c21 = Avx512F.LoadVector512(c + 2 * ldc + 16);
            c30 = Avx512F.LoadVector512(c + 3 * ldc); c31 = Avx512F.LoadVector512(c + 3 * ldc + 16);
            c40 = Avx512F.LoadVector512(c + 4 * ldc); c41 = Avx512F.LoadVector512(c + 4 * ldc + 16);
            c50 = Avx512F.LoadVector512(c + 5 * ldc); c51 = Avx512F.LoadVector512(c + 5 * ldc + 16);
            c60 = Avx512F.LoadVector512(c + 6 * ldc); c61 = Avx512F.LoadVector512(c + 6 * ldc + 16);
            c70 = Avx512F.LoadVector512(c + 7 * ldc); c71 = Avx512F.LoadVector512(c + 7 * ldc + 16);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = Vector512<float>.Zero;
            c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = Vector512<float>.Zero;
        }
        for (var k = 0; k < kc; k++)
        {
            var b0 = Avx512F.LoadVector512(b);
            var b1 = Avx512F.LoadVector512(b + 16);
            var a0 = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00); c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10); c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20); c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30); c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]); c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40); c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]); c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50); c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]); c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60); c61 = Avx512F.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]); c70 = Avx512F.FusedMultiplyAdd(a7, b0, c70); c71 = Avx512F.FusedMultiplyAdd(a7, b1, c71);
            a += 8;
            b += 32;
        }
        Avx512F.Store(c, c00); Avx512F.Store(c + 16, c01);
        Avx512F.Store(c + ldc, c10); Avx512F.Store(c + ldc + 16, c11);
        Avx512F.Store(c + 2 * ldc, c20); Avx512F.Store(c + 2 * ldc + 16, c21);
        Avx512F.Store(c + 3 * ldc, c30); Avx512F.Store(c + 3 * ldc + 16, c31);
        Avx512F.Store(c + 4 * ldc, c40); Avx512F.Store(c + 4 * ldc + 16, c41);
        Avx512F.Store(c + 5 * ldc, c50); Avx512F.Store(c + 5 * ldc + 16, c51);
        Avx512F.Store(c + 6 * ldc, c60); Avx512F.Store(c + 6 * ldc + 16, c61);
        Avx512F.Store(c + 7 * ldc, c70); Avx512F.Store(c + 7 * ldc + 16, c71);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2x6x16(int kc, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (accumulate)
        {
            c00 = Avx.LoadVector256(c); c01 = Avx.LoadVector256(c + 8);
            c10 = Avx.LoadVector256(c + ldc); c11 = Avx.LoadVector256(c + ldc + 8);
            c20 = Avx.LoadVector256(c + 2 * ldc); c21 = Avx.LoadVector256(c + 2 * ldc + 8);
            c30 = Avx.LoadVector256(c + 3 * ldc); c31 = Avx.LoadVector256(c + 3 * ldc + 8);
            c40 = Avx.LoadVector256(c + 4 * ldc); c41 = Avx.LoadVector256(c + 4 * ldc + 8);
            c50 = Avx.LoadVector256(c + 5 * ldc); c51 = Avx.LoadVector256(c + 5 * ldc + 8);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = Vector256<float>.Zero;
            c30 = c31 = c40 = c41 = c50 = c51 = Vector256<float>.Zero;
        }
        for (var k = 0; k < kc; k++)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 8);
            var a0 = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(a0, b0, c00); c01 = Fma.MultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(a1, b0, c10); c11 = Fma.MultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(a2, b0, c20); c21 = Fma.MultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]); c30 = Fma.MultiplyAdd(a3, b0, c30); c31 = Fma.MultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]); c40 = Fma.MultiplyAdd(a4, b0, c40); c41 = Fma.MultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]); c50 = Fma.MultiplyAdd(a5, b0, c50); c51 = Fma.MultiplyAdd(a5, b1, c51);
            a += 6;
            b += 16;
        }
        Avx.Store(c, c00); Avx.Store(c + 8, c01);
        Avx.Store(c + ldc, c10); Avx.Store(c + ldc + 8, c11);
        Avx.Store(c + 2 * ldc, c20); Avx.Store(c + 2 * ldc + 8, c21);
        Avx.Store(c + 3 * ldc, c30); Avx.Store(c + 3 * ldc + 8, c31);
        Avx.Store(c + 4 * ldc, c40); Avx.Store(c + 4 * ldc + 8, c41);
        Avx.Store(c + 5 * ldc, c50); Avx.Store(c + 5 * ldc + 8, c51);
    }

    public static void Scalar4x16(int kc, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        const int mr = 4, nr = 16;
        var acc = stackalloc float[mr * nr];
        for (var i = 0; i < mr; i++)
        for (var j = 0; j < nr; j++)
            acc[i * nr + j] = accumulate ? c[i * ldc + j] : 0f;
        for (var k = 0; k < kc; k++, a += mr, b += nr)
        for (var i = 0; i < mr; i++)
        {
            var ai = a[i];
            for (var j = 0; j < nr; j++) acc[i * nr + j] = MathF.FusedMultiplyAdd(ai, b[j], acc[i * nr + j]);
        }
        for (var i = 0; i < mr; i++)
        for (var j = 0; j < nr; j++)
            c[i * ldc + j] = acc[i * nr + j];
    }
}
