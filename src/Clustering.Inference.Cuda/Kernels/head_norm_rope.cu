// head_norm_rope.cu — Qwen3's per-head q/k RMSNorm fused with non-interleaved rotary embedding, in place.
//
//   for each token t and head h, v = x[t, h·D : (h+1)·D]:
//     v = v / sqrt(mean(v²) + eps) · weight                       (RMSNorm over the head's D values)
//     for j < D/2, angle = position[t] · theta^(-2j/D):           (rotate_half, as Hugging Face's Qwen3)
//       v'[j] = v[j]·cos − v[j+D/2]·sin ;  v'[j+D/2] = v[j+D/2]·cos + v[j]·sin
//
// Shapes: x (tokens, row_stride) bf16, head h at columns [h·D, (h+1)·D) — a column slice of the fused QKV output,
//         so q and k are two launches over one buffer; weight (D) bf16; positions (tokens) int32.
// Launch: grid (tokens, ceil(heads / 4)), block 128: one warp per (token, head); each lane holds the pairs
//         (j, j + D/2) for j = lane, lane+32, ... (D even, D ≤ 256).
// Why:    the norm, the rotation and the one read/write of q and k in one pass; all math in fp32, one rounding to
//         bf16 at the end. The angle is computed as Hugging Face does (fp32 inv_freq times fp32 position) and
//         sincosf is the precise one (no fast-math), so positions up to 32k keep their phase.
#include "common.cuh"

extern "C" __global__ void head_norm_rope(bf16* x, int row_stride, int heads, int head_dim, const bf16* __restrict__ weight,
                                          const int* __restrict__ positions, float eps, float theta)
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
    const float position = (float)positions[token];
#pragma unroll
    for (int i = 0; i < 4; i++)
    {
        const int j = lane + 32 * i;
        if (j < half)
        {
            const float x1 = a[i] * inv * bf16_to_float(weight[j]);
            const float x2 = b[i] * inv * bf16_to_float(weight[j + half]);
            const float inv_freq = 1.0f / powf(theta, (float)(2 * j) / (float)head_dim);
            float s, c;
            sincosf(position * inv_freq, &s, &c);
            v[j] = float_to_bf16(x1 * c - x2 * s);
            v[j + half] = float_to_bf16(x2 * c + x1 * s);
        }
    }
}
