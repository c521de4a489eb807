// attention_softmax.cuh — what both flash attention families share (attention.cu on mma.sync, attention_sm90*.cu on
// wgmma): the online softmax of one key tile, the rescale of O, P's repacking into A fragments, and the final O / l.
//
// Both hold S (scores) and O (output) in the same per-thread layout: that of an mma.sync m16n8 accumulator, which is
// also what each warp of a wgmma m64nN accumulator holds for its 16 rows. For 8-column tile n, values 4n and 4n+1
// are row g = lane / 4 at columns 8n + 2t and 8n + 2t + 1 (t = lane % 4), values 4n+2 and 4n+3 the same columns of
// row g + 8. A thread owns two rows (row0, row1), and a row is spread over the 4 threads of its quad (lanes 4g..4g+3).
// That layout is also the A operand of m16n8k16 / m64nNk16 with the 16-key step kc taking tiles 2kc and 2kc + 1, so
// P goes from S's registers into the P·V product with no shuffle.
#pragma once
#include "common.cuh"

#define ATTENTION_NEG_INF __int_as_float(0xff800000)

// 2^x on the SFU (one instruction; relative error ~2^-22, far inside bf16's 2^-8). exp2f without fast-math adds
// range handling we do not need: the arguments are ≤ 0 or −inf.
__device__ __forceinline__ float fast_exp2(float x)
{
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
}

// The online softmax of one tile of BK keys starting at key k0 (FlashAttention-2), first half: mask keys past the
// row (causal) or the sequence end where the tile reaches them (warp_row: the warp's first query row), update the
// running max m of this thread's two rows (kept in base-2 units, S·scale_log2), turn S into P = 2^(S·scale_log2 - m)
// in place (one FFMA and one ex2 per score: the scale is folded into the exponent's argument, as FlashAttention-3
// does, rather than a multiply of its own) and add it to the running sums l (rescaled first). alpha: the factor O
// must be rescaled by.
template <int BK>
__device__ __forceinline__ void softmax_scores(float (&s)[BK / 2], float& m0, float& m1, float& l0, float& l1, float& alpha0, float& alpha1,
                                               int k0, int warp_row, int row0, int row1, int t, int len, float scale_log2)
{
    constexpr int NT = BK / 8;   // 8-key column tiles of S
    const bool needs_mask = k0 + BK - 1 > warp_row || k0 + BK > len;
    float mx0 = ATTENTION_NEG_INF, mx1 = ATTENTION_NEG_INF;
#pragma unroll
    for (int n = 0; n < NT; n++)
    {
#pragma unroll
        for (int j = 0; j < 4; j++)
        {
            float value = s[4 * n + j];
            if (needs_mask)
            {
                const int key = k0 + n * 8 + t * 2 + (j & 1);
                const int row = j < 2 ? row0 : row1;
                if (key > row || key >= len) value = ATTENTION_NEG_INF;
            }
            s[4 * n + j] = value;
            if (j < 2) mx0 = fmaxf(mx0, value); else mx1 = fmaxf(mx1, value);
        }
    }
    mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 1));
    mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 2));
    mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 1));
    mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 2));
    // Key 0 is in the first tile every row sees, so the running max is finite after it (scale_log2 > 0: the max of
    // the scaled scores is the scaled max).
    const float new_m0 = fmaxf(m0, mx0 * scale_log2), new_m1 = fmaxf(m1, mx1 * scale_log2);
    alpha0 = fast_exp2(m0 - new_m0);
    alpha1 = fast_exp2(m1 - new_m1);
    m0 = new_m0;
    m1 = new_m1;
    l0 *= alpha0;
    l1 *= alpha1;
#pragma unroll
    for (int i = 0; i < BK / 2; i++)
    {
        s[i] = fast_exp2(fmaf(s[i], scale_log2, -((i & 3) < 2 ? m0 : m1)));
        if ((i & 3) < 2) l0 += s[i]; else l1 += s[i];
    }
}

// Second half: O *= alpha (N accumulators: N / 4 tiles of 8 output dims), and P in bf16 as register A fragments.
template <int BK, int N>
__device__ __forceinline__ void rescale_and_pack(const float (&p)[BK / 2], unsigned int (&pa)[BK / 16][4], float (&o)[N], float alpha0, float alpha1)
{
#pragma unroll
    for (int n = 0; n < N / 4; n++)
    {
        o[4 * n + 0] *= alpha0; o[4 * n + 1] *= alpha0;
        o[4 * n + 2] *= alpha1; o[4 * n + 3] *= alpha1;
    }
#pragma unroll
    for (int kc = 0; kc < BK / 16; kc++)
    {
        pa[kc][0] = pack_bf16x2(p[8 * kc + 0], p[8 * kc + 1]);
        pa[kc][1] = pack_bf16x2(p[8 * kc + 2], p[8 * kc + 3]);
        pa[kc][2] = pack_bf16x2(p[8 * kc + 4], p[8 * kc + 5]);
        pa[kc][3] = pack_bf16x2(p[8 * kc + 6], p[8 * kc + 7]);
    }
}

// Both halves at once, for the kernels that have every score of the tile before the softmax starts.
template <int BK, int N>
__device__ __forceinline__ void online_softmax(float (&s)[BK / 2], unsigned int (&pa)[BK / 16][4], float (&o)[N],
                                               float& m0, float& m1, float& l0, float& l1, int k0, int warp_row,
                                               int row0, int row1, int t, int len, float scale_log2)
{
    float alpha0, alpha1;
    softmax_scores<BK>(s, m0, m1, l0, l1, alpha0, alpha1, k0, warp_row, row0, row1, t, len, scale_log2);
    rescale_and_pack<BK>(s, pa, o, alpha0, alpha1);
}

// O / l in bf16 for this thread's two rows (N accumulators: N / 4 tiles of 8 dims; ob points at the head's first
// column of the sequence's first row); the row sums are spread over the 4 threads of a quad, rows past len are left.
template <int N>
__device__ __forceinline__ void store_rows(const float (&o)[N], float l0, float l1, bf16* __restrict__ ob, int out_stride,
                                           int row0, int row1, int t, int len)
{
    l0 += __shfl_xor_sync(0xffffffffu, l0, 1);
    l0 += __shfl_xor_sync(0xffffffffu, l0, 2);
    l1 += __shfl_xor_sync(0xffffffffu, l1, 1);
    l1 += __shfl_xor_sync(0xffffffffu, l1, 2);
    const float inv0 = 1.0f / l0, inv1 = 1.0f / l1;
#pragma unroll
    for (int n = 0; n < N / 4; n++)
    {
        const int col = n * 8 + t * 2;
        if (row0 < len) *(unsigned int*)(ob + (size_t)row0 * out_stride + col) = pack_bf16x2(o[4 * n] * inv0, o[4 * n + 1] * inv0);
        if (row1 < len) *(unsigned int*)(ob + (size_t)row1 * out_stride + col) = pack_bf16x2(o[4 * n + 2] * inv1, o[4 * n + 3] * inv1);
    }
}
