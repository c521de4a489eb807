// attention_sm90.cuh — what the Hopper attention kernels share (attention_sm90.cu, attention_sm90_ws.cu): cp.async
// loads into wgmma's 128-byte-swizzled tile layout, the Q·Kᵀ and P·V products, the online softmax, the stores, and
// the entry-point macro. The kernels' files say what each kernel does and why.
#pragma once
#include "common.cuh"
#include "wgmma.cuh"

#define NEG_INF_SM90 __int_as_float(0xff800000)

namespace sm90
{
constexpr int D = 128;

__device__ __forceinline__ unsigned int shared_address(const void* p)
{
    unsigned int r;
    asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(r) : "l"(p));
    return r;
}

__device__ __forceinline__ void cp_async_16(unsigned int shared, const void* global, bool valid)
{
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" :: "r"(shared), "l"(global), "r"(valid ? 16 : 0));
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }

template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" :: "n"(N) : "memory"); }

__device__ __forceinline__ float fast_exp2(float x)
{
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
}

// Where a block works: its sequence (first token, length), its first query row (blocks run last-first along x, so
// the costliest causal tiles start first), its query head and that head's K/V head (GQA by index).
struct BlockPlace { int start, len, q0, h, g_head; };
__device__ __forceinline__ BlockPlace block_place(const int* __restrict__ cu_seqlens, int bq, int heads, int kv_heads)
{
    const int start = cu_seqlens[blockIdx.y];
    return {start, cu_seqlens[blockIdx.y + 1] - start, (int)(gridDim.x - 1 - blockIdx.x) * bq, (int)blockIdx.z,
            (int)blockIdx.z / (heads / kv_heads)};
}

// ROWS rows of K, V or Q (rows first.., zeros at and past len) into the 128-byte-swizzled layout of wgmma.cuh: dims
// 0-63 in the first ROWS·128 bytes, dims 64-127 in the next. 16 consecutive threads (`thread` counts from 0 among the
// THREADS that load) read one 256-byte row.
template <int ROWS, int THREADS>
__device__ __forceinline__ void load_rows(unsigned int tile, const bf16* __restrict__ base, int stride, int first, int len, int thread)
{
#pragma unroll
    for (int step = 0; step < (ROWS * 16 + THREADS - 1) / THREADS; step++)
    {
        const int i = thread + step * THREADS;
        if ((ROWS * 16) % THREADS != 0 && i >= ROWS * 16) break;
        const int r = i >> 4, c = i & 15;
        const bool valid = first + r < len;
        const bf16* source = base + (size_t)(valid ? first + r : 0) * stride + c * 8;
        const unsigned int offset = (unsigned int)((c >> 3) * (ROWS * 128) + r * 128 + (((c & 7) ^ (r & 7)) << 4));
        cp_async_16(tile + offset, source, valid);
    }
}

// A BK-row K or V tile, loaded by every thread of the block.
template <int BK, int THREADS>
__device__ __forceinline__ void load_tile(unsigned int tile, const bf16* __restrict__ base, int stride, int first, int len)
{
    load_rows<BK, THREADS>(tile, base, stride, first, len, threadIdx.x);
}

// Q as register A fragments (the mma.sync m16n8k16 A layout of this warp's 16 rows, this thread's two), zeros past
// the end.
__device__ __forceinline__ void load_query_fragments(unsigned int (&qa)[D / 16][4], const bf16* __restrict__ qb, int q_stride,
                                                     int row0, int row1, int t, int len)
{
#pragma unroll
    for (int kc = 0; kc < D / 16; kc++)
    {
        const int col = kc * 16 + t * 2;
        qa[kc][0] = row0 < len ? *(const unsigned int*)(qb + (size_t)row0 * q_stride + col) : 0u;
        qa[kc][1] = row1 < len ? *(const unsigned int*)(qb + (size_t)row1 * q_stride + col) : 0u;
        qa[kc][2] = row0 < len ? *(const unsigned int*)(qb + (size_t)row0 * q_stride + col + 8) : 0u;
        qa[kc][3] = row1 < len ? *(const unsigned int*)(qb + (size_t)row1 * q_stride + col + 8) : 0u;
    }
}

// S[64×BK] = Q·Kᵀ for this warpgroup: 8 steps of 16 dims; step kc reads K's half kc/4 at byte 32·(kc%4).
template <int BK>
__device__ __forceinline__ void scores(float (&s)[BK / 2], const unsigned int (&qa)[D / 16][4], unsigned int k_tile)
{
#pragma unroll
    for (int kc = 0; kc < D / 16; kc++)
    {
        const unsigned long long desc = wgmma_descriptor_sw128(k_tile + (kc >> 2) * (BK * 128) + (kc & 3) * 32, 16, 1024);
        if constexpr (BK == 128) wgmma_m64n128k16<0>(s, qa[kc], desc, kc > 0);
        else wgmma_m64n64k16<0>(s, qa[kc], desc, kc > 0);
    }
}

// The same with Q in shared memory (a 64-row tile in the layout of load_rows, at q_tile): both operands by descriptor.
template <int BK>
__device__ __forceinline__ void scores_ss(float (&s)[BK / 2], unsigned int q_tile, unsigned int k_tile)
{
#pragma unroll
    for (int kc = 0; kc < D / 16; kc++)
    {
        const unsigned long long desc_q = wgmma_descriptor_sw128(q_tile + (kc >> 2) * (64 * 128) + (kc & 3) * 32, 16, 1024);
        const unsigned long long desc_k = wgmma_descriptor_sw128(k_tile + (kc >> 2) * (BK * 128) + (kc & 3) * 32, 16, 1024);
        if constexpr (BK == 128) wgmma_m64n128k16_ss(s, desc_q, desc_k, kc > 0);
        else wgmma_m64n64k16_ss(s, desc_q, desc_k, kc > 0);
    }
}

// O[64×128] += P·V: BK/16 steps of 16 keys; step kc starts at key row 16·kc (2048 bytes in), the second 64 dims
// BK·128 bytes on (the leading byte offset).
template <int BK>
__device__ __forceinline__ void accumulate(float (&o)[64], const unsigned int (&pa)[BK / 16][4], unsigned int v_tile)
{
#pragma unroll
    for (int kc = 0; kc < BK / 16; kc++)
        wgmma_m64n128k16<1>(o, pa[kc], wgmma_descriptor_sw128(v_tile + kc * 2048, BK * 128, 1024), 1);
}

// The online softmax of one tile (FlashAttention-2), first half: mask keys past the row (causal) or the sequence end
// where the tile reaches them, update the running max m of this thread's two rows (kept in base-2 units, S·scale_log2),
// turn S into P = 2^(S·scale_log2 - m) in place (one FFMA and one ex2 per score: the scale is folded into the
// exponent's argument, as FlashAttention-3 does, rather than a multiply of its own) and add it to the running sums l
// (rescaled first). alpha: the factor O must be rescaled by.
template <int BK>
__device__ __forceinline__ void softmax_scores(float (&s)[BK / 2], float& m0, float& m1, float& l0, float& l1, float& alpha0, float& alpha1,
                                               int k0, int warp_row, int row0, int row1, int t, int len, float scale_log2)
{
    constexpr int NT = BK / 8;   // 8-key column tiles of S
    const bool needs_mask = k0 + BK - 1 > warp_row || k0 + BK > len;
    float mx0 = NEG_INF_SM90, mx1 = NEG_INF_SM90;
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
                if (key > row || key >= len) value = NEG_INF_SM90;
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

// Second half: O *= alpha, and P in bf16 as register A fragments (16-key step kc takes S's column tiles 2kc, 2kc+1).
template <int BK>
__device__ __forceinline__ void rescale_and_pack(const float (&p)[BK / 2], unsigned int (&pa)[BK / 16][4], float (&o)[64], float alpha0, float alpha1)
{
#pragma unroll
    for (int n = 0; n < 16; n++)
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

// Both halves at once, for the kernels that wait for every product before the softmax.
template <int BK>
__device__ __forceinline__ void online_softmax(float (&s)[BK / 2], unsigned int (&pa)[BK / 16][4], float (&o)[64],
                                               float& m0, float& m1, float& l0, float& l1, int k0, int warp_row,
                                               int row0, int row1, int t, int len, float scale_log2)
{
    float alpha0, alpha1;
    softmax_scores<BK>(s, m0, m1, l0, l1, alpha0, alpha1, k0, warp_row, row0, row1, t, len, scale_log2);
    rescale_and_pack<BK>(s, pa, o, alpha0, alpha1);
}

// O / l in bf16 for this thread's two rows (the row sums are spread over the 4 threads of a row group).
__device__ __forceinline__ void store_rows(const float (&o)[64], float l0, float l1, bf16* __restrict__ ob, int out_stride,
                                           int row0, int row1, int t, int len)
{
    l0 += __shfl_xor_sync(0xffffffffu, l0, 1);
    l0 += __shfl_xor_sync(0xffffffffu, l0, 2);
    l1 += __shfl_xor_sync(0xffffffffu, l1, 1);
    l1 += __shfl_xor_sync(0xffffffffu, l1, 2);
    const float inv0 = 1.0f / l0, inv1 = 1.0f / l1;
#pragma unroll
    for (int n = 0; n < 16; n++)
    {
        const int col = n * 8 + t * 2;
        if (row0 < len) *(unsigned int*)(ob + (size_t)row0 * out_stride + col) = pack_bf16x2(o[4 * n] * inv0, o[4 * n + 1] * inv0);
        if (row1 < len) *(unsigned int*)(ob + (size_t)row1 * out_stride + col) = pack_bf16x2(o[4 * n + 2] * inv1, o[4 * n + 3] * inv1);
    }
}
} // namespace sm90

// The entry points: NAME launches with THREADS threads (one block per SM: __launch_bounds__' minimum also lets the
// warp-specialized kernels' setmaxnreg work) and runs the sm90 function template instance after it.
#define FLASH_ATTENTION_SM90(NAME, THREADS, ...)                                                                      \
    extern "C" __global__ void __launch_bounds__(THREADS, 1) NAME(                                                   \
        const bf16* q, int q_stride, const bf16* k, const bf16* v, int kv_stride, bf16* out, int out_stride,        \
        const int* cu_seqlens, int heads, int kv_heads, float scale_log2)                                           \
    {                                                                                                               \
        __VA_ARGS__(q, q_stride, k, v, kv_stride, out, out_stride, cu_seqlens, heads, kv_heads, scale_log2);        \
    }
