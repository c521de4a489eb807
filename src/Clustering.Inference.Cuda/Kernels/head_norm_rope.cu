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
