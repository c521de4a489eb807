// silu_mul.cu — SwiGLU's activation: out = silu(gate) · up, silu(g) = g / (1 + e^−g).
//
// Shapes: gate and up (rows, in_stride) bf16 — column slices of the fused gate/up GEMM output, each n wide;
//         out (rows, out_stride) bf16; out may alias gate (in place).
// Launch: grid-stride over rows · n/8 vectors of 8 (16-byte loads) when n and both strides are multiples of 8,
//         else over single elements; block 256.
// Why:    one read of gate and up and one write, fp32 math, one rounding; memory bound.
#include "common.cuh"

__device__ __forceinline__ float silu_mul1(float g, float u) { return g / (1.0f + expf(-g)) * u; }

extern "C" __global__ void silu_mul(const bf16* gate, const bf16* up, int in_stride, bf16* out, int out_stride,
                                    int rows, int n)
{
    const bool vectorized = (n & 7) == 0 && (in_stride & 7) == 0 && (out_stride & 7) == 0;
    if (vectorized)
    {
        const int per_row = n >> 3;
        const long long total = (long long)rows * per_row;
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
        {
            const int row = (int)(i / per_row), col = (int)(i % per_row) * 8;
            const vec16 g = *(const vec16*)(gate + (size_t)row * in_stride + col);
            const vec16 u = *(const vec16*)(up + (size_t)row * in_stride + col);
            vec16 r;
            r.x = pack_bf16x2(silu_mul1(bf16x2_lo(g.x), bf16x2_lo(u.x)), silu_mul1(bf16x2_hi(g.x), bf16x2_hi(u.x)));
            r.y = pack_bf16x2(silu_mul1(bf16x2_lo(g.y), bf16x2_lo(u.y)), silu_mul1(bf16x2_hi(g.y), bf16x2_hi(u.y)));
            r.z = pack_bf16x2(silu_mul1(bf16x2_lo(g.z), bf16x2_lo(u.z)), silu_mul1(bf16x2_hi(g.z), bf16x2_hi(u.z)));
            r.w = pack_bf16x2(silu_mul1(bf16x2_lo(g.w), bf16x2_lo(u.w)), silu_mul1(bf16x2_hi(g.w), bf16x2_hi(u.w)));
            *(vec16*)(out + (size_t)row * out_stride + col) = r;
        }
    }
    else
    {
        const long long total = (long long)rows * n;
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
        {
            const int row = (int)(i / n), col = (int)(i % n);
            const float g = bf16_to_float(gate[(size_t)row * in_stride + col]);
            const float u = bf16_to_float(up[(size_t)row * in_stride + col]);
            out[(size_t)row * out_stride + col] = float_to_bf16(silu_mul1(g, u));
        }
    }
}
