// head_norm_rope.cu — Qwen3's per-head q/k RMSNorm fused with non-interleaved rotary embedding, in place.
//
//   for each token t and head h, v = x[t, h·D : (h+1)·D]:
//     v = v / sqrt(mean(v²) + eps) · weight                       (RMSNorm over the head's D values)
//     for j < D/2, (cos, sin) = rope[position[t], j]:              (rotate_half, as Hugging Face's Qwen3)
//       v'[j] = v[j]·cos − v[j+D/2]·sin ;  v'[j+D/2] = v[j+D/2]·cos + v[j]·sin
//
// Shapes: x (tokens, row_stride) bf16, head h at columns [h·D, (h+1)·D) — possibly a column slice of a wider row;
//         weight (D) bf16; positions (tokens) int32; rope (max_position, D/2) float2 (cos, sin), made on the host
//         once per (D, theta) from Hugging Face's fp32 angle float(position)·float(theta^(-2j/D)).
// Launch: grid (tokens, ceil(heads / 4)), block 128: one warp per (token, head); each lane holds the pairs
//         (j, j + D/2) for j = lane, lane+32, ... (D even, D ≤ 256).
// Why:    the norm, the rotation and the one read/write of q and k in one pass; all math in fp32, one rounding to
//         bf16 at the end. A cos/sin table instead of powf + sincosf per element: the first version computed them
//         in the kernel and was arithmetic bound (0.205 ms for 16k tokens × 24 heads of 128 on an H100, ~1 TB/s);
//         the table row of a position is shared by all heads of its token and stays in L1/L2.
#include "common.cuh"

extern "C" __global__ void head_norm_rope(bf16* x, int row_stride, int heads, int head_dim, const bf16* __restrict__ weight,
                                          const int* __restrict__ positions, const float2* __restrict__ rope, float eps)
{
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int head = blockIdx.y * 4 + warp;
    if (head >= heads) return;
    const int token = blockIdx.x;
    bf16* v = x + (size_t)token * row_stride + (size_t)head * head_dim;
    const int half = head_dim >> 1;

    float a[4], b[4];
    float sum = 0.0f;
#pragma unroll
    for (int i = 0; i < 4; i++)
    {
        const int j = lane + 32 * i;
        a[i] = 0.0f;
        b[i] = 0.0f;
        if (j < half)
        {
            a[i] = bf16_to_float(v[j]);
            b[i] = bf16_to_float(v[j + half]);
            sum += a[i] * a[i] + b[i] * b[i];
        }
    }
    sum = warp_sum(sum);
    const float inv = rsqrtf(sum / (float)head_dim + eps);
    const float2* rope_row = rope + (size_t)positions[token] * half;
#pragma unroll
    for (int i = 0; i < 4; i++)
    {
        const int j = lane + 32 * i;
        if (j < half)
        {
            const float x1 = a[i] * inv * bf16_to_float(weight[j]);
            const float x2 = b[i] * inv * bf16_to_float(weight[j + half]);
            const float2 cs = rope_row[j];
            const float c = cs.x, s = cs.y;
            v[j] = float_to_bf16(x1 * c - x2 * s);
            v[j + half] = float_to_bf16(x2 * c + x1 * s);
        }
    }
}

// The same per head with two neighbouring j per lane (bf16x2 loads and stores, one float4 of the table): each
// access a warp makes is 128 contiguous bytes instead of 64 in 2-byte pieces. For head_dim a multiple of 4 (pairs
// never straddle the halves) and 4-byte aligned rows: every Qwen3 model. Same arithmetic per element as above.
// Launch: as head_norm_rope; lanes hold pairs (2p, 2p+1) for p = lane, lane + 32 (head_dim ≤ 256).
extern "C" __global__ void head_norm_rope_pairs(bf16* x, int row_stride, int heads, int head_dim, const bf16* __restrict__ weight,
                                                const int* __restrict__ positions, const float2* __restrict__ rope, float eps)
{
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int head = blockIdx.y * 4 + warp;
    if (head >= heads) return;
    const int token = blockIdx.x;
    bf16* v = x + (size_t)token * row_stride + (size_t)head * head_dim;
    const int half = head_dim >> 1;

    unsigned int a[2], b[2];   // bf16 pairs of the first half (j, j+1) and of the second (j + half, j + half + 1)
    float sum = 0.0f;
#pragma unroll
    for (int i = 0; i < 2; i++)
    {
        const int j = 2 * (lane + 32 * i);
        a[i] = b[i] = 0u;
        if (j < half)
        {
            a[i] = *(const unsigned int*)(v + j);
            b[i] = *(const unsigned int*)(v + j + half);
            const float a0 = bf16x2_lo(a[i]), a1 = bf16x2_hi(a[i]), b0 = bf16x2_lo(b[i]), b1 = bf16x2_hi(b[i]);
            sum += a0 * a0 + b0 * b0 + a1 * a1 + b1 * b1;
        }
    }
    sum = warp_sum(sum);
    const float inv = rsqrtf(sum / (float)head_dim + eps);
    const float4* rope_row = (const float4*)(rope + (size_t)positions[token] * half);
#pragma unroll
    for (int i = 0; i < 2; i++)
    {
        const int j = 2 * (lane + 32 * i);
        if (j < half)
        {
            const unsigned int wa = *(const unsigned int*)(weight + j), wb = *(const unsigned int*)(weight + j + half);
            const float x1a = bf16x2_lo(a[i]) * inv * bf16x2_lo(wa), x1b = bf16x2_hi(a[i]) * inv * bf16x2_hi(wa);
            const float x2a = bf16x2_lo(b[i]) * inv * bf16x2_lo(wb), x2b = bf16x2_hi(b[i]) * inv * bf16x2_hi(wb);
            const float4 cs = rope_row[j >> 1];   // (cos, sin) of j, then of j + 1
            *(unsigned int*)(v + j) = pack_bf16x2(x1a * cs.x - x2a * cs.y, x1b * cs.z - x2b * cs.w);
            *(unsigned int*)(v + j + half) = pack_bf16x2(x2a * cs.x + x1a * cs.y, x2b * cs.z + x1b * cs.w);
        }
    }
}
