// attention_sm90.cuh — what the Hopper attention kernels share (attention_sm90.cu, attention_sm90_ws.cu): cp.async
// loads into wgmma's 128-byte-swizzled tile layout, the Q·Kᵀ and P·V products and the entry-point macro. The online
// softmax and the stores are attention_softmax.cuh's (attention.cu uses them too); the kernels' files say what each
// kernel does and why.
#pragma once
#include "common.cuh"
#include "async_copy.cuh"
#include "attention_softmax.cuh"
#include "wgmma.cuh"

namespace sm90
{
constexpr int D = 128;

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
