// attention_sm90.cu — variable-length causal GQA flash attention for Hopper (sm_90a): Q·Kᵀ and P·V on wgmma.
//
//   for each sequence s (tokens [cu_seqlens[s], cu_seqlens[s+1])), query head h, query position i in s:
//     out[i, h] = Σ_{j ≤ i} softmax_j(q[i,h] · k[j,h/G] / sqrt(D)) · v[j,h/G]        G = heads / kv_heads (GQA by index)
//
// Shapes: as attention.cu (q/k/v column slices of the fused QKV output with row strides, out bf16, cu_seqlens int32),
//         head_dim D = 128 only (every Qwen3-Embedding size).
// Launch: grid (ceil(max_len / BQ), sequences, heads), block 2 or 3 computing warpgroups (BQ = 128 or 192 query
//         rows, 64 per warpgroup: one wgmma M) plus, in the ws kernels, a producer warpgroup; dynamic shared memory
//         as the entry points at the end of the file say (more than 48 KB: the launcher raises the function's
//         limit); BK = 64 or 128 keys per K/V tile. Blocks past their sequence's end return at once; tiles run
//         last-first along x so the costliest causal tiles start first.
// Why:    attention.cu's mma.sync kernel tops out near 90 TFLOP/s on an H100; the tensor cores of Hopper are fed at
//         full rate only by wgmma (a warpgroup-wide 64×N×16 product, B read straight from shared memory). Scheme:
//         FlashAttention-2/3's online softmax (running max and sum in fp32, base-2 exponent, scale·log2(e) folded
//         in). S = Q·Kᵀ: A = Q from registers (loaded once per block), B = the K tile K-major in shared memory.
//         O += P·V: A = P straight from S's accumulator registers (the wgmma accumulator layout is the mma.sync
//         one, which is also the register-A layout, so P never touches shared memory), B = the V tile read
//         N-major (wgmma transposes). K and V tiles are stored with the 128-byte swizzle the descriptors name, two
//         64-dim halves per tile, and brought in by cp.async two tiles ahead (double buffer) — the first step of
//         FlashAttention-3's design; the ws kernels add its producer warpgroup and setmaxnreg (tests/gpu/NOTES.md).
//         Keys past the sequence end are zero-filled (a NaN in unused V rows would otherwise reach O through a 0
//         weight); only tiles that reach the diagonal or the sequence end are masked.
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

template <int BK, int WARPGROUPS>
__device__ __forceinline__ void flash_attention(const bf16* __restrict__ q, int q_stride,
                                                const bf16* __restrict__ k, const bf16* __restrict__ v, int kv_stride,
                                                bf16* __restrict__ out, int out_stride, const int* __restrict__ cu_seqlens,
                                                int heads, int kv_heads, float scale_log2)
{
    constexpr int BQ = 64 * WARPGROUPS, THREADS = 128 * WARPGROUPS;
    constexpr int TILE_BYTES = BK * D * 2;
    extern __shared__ unsigned char shared_raw[];
    // Swizzle atoms must be 1024-byte aligned: round the dynamic buffer's start up (the launch adds 1 KB for it).
    const unsigned int shared_base = (shared_address(shared_raw) + 1023u) & ~1023u;
    // Stage b (b = 0, 1): K at shared_base + 2b·TILE_BYTES, V right after it.

    const auto [start, len, q0, h, g_head] = block_place(cu_seqlens, BQ, heads, kv_heads);
    if (q0 >= len) return;
    const int warpgroup = threadIdx.x >> 7, warp = (threadIdx.x >> 5) & 3, lane = threadIdx.x & 31;
    const int g = lane >> 2, t = lane & 3;
    const int group_row = q0 + warpgroup * 64;          // this warpgroup's first query position
    const int warp_row = group_row + warp * 16;         // this warp's
    const int row0 = warp_row + g, row1 = row0 + 8;     // this thread's two rows

    const bf16* kb = k + (size_t)start * kv_stride + (size_t)g_head * D;
    const bf16* vb = v + (size_t)start * kv_stride + (size_t)g_head * D;
    const int key_end = min(len, q0 + BQ);
    const int tiles = (key_end + BK - 1) / BK;

    // Two tiles in flight before any math: one commit group per tile (K and V together).
    load_tile<BK, THREADS>(shared_base, kb, kv_stride, 0, len);
    load_tile<BK, THREADS>(shared_base + TILE_BYTES, vb, kv_stride, 0, len);
    cp_async_commit();
    if (tiles > 1)
    {
        load_tile<BK, THREADS>(shared_base + 2 * TILE_BYTES, kb, kv_stride, BK, len);
        load_tile<BK, THREADS>(shared_base + 3 * TILE_BYTES, vb, kv_stride, BK, len);
    }
    cp_async_commit();

    unsigned int qa[D / 16][4];
    load_query_fragments(qa, q + (size_t)start * q_stride + (size_t)h * D, q_stride, row0, row1, t, len);

    // Accumulator layout (wgmma m64nN, per warp as mma.sync m16n8): element 4·n + j is row (j < 2 ? row0 : row1),
    // column 8·n + 2t + (j & 1).
    float o[64];
#pragma unroll
    for (int i = 0; i < 64; i++) o[i] = 0.0f;
    float m0 = NEG_INF_SM90, m1 = NEG_INF_SM90, l0 = 0.0f, l1 = 0.0f;

    for (int tile = 0; tile < tiles; tile++)
    {
        const int k0 = tile * BK;
        const unsigned int k_tile = shared_base + (tile & 1) * 2 * TILE_BYTES, v_tile = k_tile + TILE_BYTES;
        cp_async_wait<1>();            // this tile's group has landed (the next tile's may still be in flight)
        fence_proxy_async_shared();    // cp.async wrote through the generic proxy; wgmma reads through the async one
        __syncthreads();

        // A warpgroup whose 64 queries all precede the tile has nothing to add from it (BK = 64, diagonal block).
        if (k0 <= group_row + 63)
        {
            float s[BK / 2];
#pragma unroll
            for (int i = 0; i < BK / 2; i++) s[i] = 0.0f;   // overwritten (scale_d 0); set so no register is read undefined
            wgmma_fence();
            scores<BK>(s, qa, k_tile);
            wgmma_commit();
            wgmma_wait<0>();

            unsigned int pa[BK / 16][4];
            online_softmax<BK>(s, pa, o, m0, m1, l0, l1, k0, warp_row, row0, row1, t, len, scale_log2);

            wgmma_fence();
            accumulate<BK>(o, pa, v_tile);
            wgmma_commit();
            wgmma_wait<0>();
        }

        __syncthreads();   // every warpgroup is done with this stage: refill it with tile + 2
        if (tile + 2 < tiles)
        {
            load_tile<BK, THREADS>(k_tile, kb, kv_stride, k0 + 2 * BK, len);
            load_tile<BK, THREADS>(v_tile, vb, kv_stride, k0 + 2 * BK, len);
        }
        cp_async_commit();   // possibly empty: keeps one group per tile, so wait<1> above always means "tile landed"
    }

    store_rows(o, l0, l1, out + (size_t)start * out_stride + (size_t)h * D, out_stride, row0, row1, t, len);
}
// The pipelined variant (FlashAttention-3's intra-warpgroup overlap): while the softmax of tile j runs on the
// CUDA cores, the tensor cores already compute S for tile j+1 (issued just before), and P·V of tile j runs
// alongside; three shared-memory stages so tile j+2 loads meanwhile. Two S register sets (this tile's, the next's).
// 2 warpgroups (128 query rows).
template <int BK>
__device__ __forceinline__ void flash_attention_pipelined(const bf16* __restrict__ q, int q_stride,
                                                          const bf16* __restrict__ k, const bf16* __restrict__ v, int kv_stride,
                                                          bf16* __restrict__ out, int out_stride, const int* __restrict__ cu_seqlens,
                                                          int heads, int kv_heads, float scale_log2)
{
    constexpr int BQ = 128, THREADS = 256, STAGES = 3;
    constexpr int TILE_BYTES = BK * D * 2;
    extern __shared__ unsigned char shared_raw[];
    const unsigned int shared_base = (shared_address(shared_raw) + 1023u) & ~1023u;
    // Stage b (0..2): K at shared_base + 2b·TILE_BYTES, V right after it.

    const auto [start, len, q0, h, g_head] = block_place(cu_seqlens, BQ, heads, kv_heads);
    if (q0 >= len) return;
    const int warpgroup = threadIdx.x >> 7, warp = (threadIdx.x >> 5) & 3, lane = threadIdx.x & 31;
    const int g = lane >> 2, t = lane & 3;
    const int group_row = q0 + warpgroup * 64;
    const int warp_row = group_row + warp * 16;
    const int row0 = warp_row + g, row1 = row0 + 8;

    const bf16* kb = k + (size_t)start * kv_stride + (size_t)g_head * D;
    const bf16* vb = v + (size_t)start * kv_stride + (size_t)g_head * D;
    const int key_end = min(len, q0 + BQ);
    const int tiles = (key_end + BK - 1) / BK;
    // Tiles this warpgroup uses: those starting at or before its last query (a prefix of all tiles).
    const int my_tiles = min(tiles, (group_row + 63) / BK + 1);

    // One commit group per tile: every stage filled before any math.
#pragma unroll
    for (int i = 0; i < STAGES; i++)
    {
        if (i < tiles)
        {
            load_tile<BK, THREADS>(shared_base + 2 * i * TILE_BYTES, kb, kv_stride, i * BK, len);
            load_tile<BK, THREADS>(shared_base + (2 * i + 1) * TILE_BYTES, vb, kv_stride, i * BK, len);
        }
        cp_async_commit();
    }

    unsigned int qa[D / 16][4];
    load_query_fragments(qa, q + (size_t)start * q_stride + (size_t)h * D, q_stride, row0, row1, t, len);
    float o[64];
#pragma unroll
    for (int i = 0; i < 64; i++) o[i] = 0.0f;
    float m0 = NEG_INF_SM90, m1 = NEG_INF_SM90, l0 = 0.0f, l1 = 0.0f;

    // S of tile 0 before the loop (every warpgroup uses tile 0).
    float s[BK / 2];
#pragma unroll
    for (int i = 0; i < BK / 2; i++) s[i] = 0.0f;
    cp_async_wait<STAGES - 1>();   // tile 0 has landed
    fence_proxy_async_shared();
    __syncthreads();
    wgmma_fence();
    scores<BK>(s, qa, shared_base);
    wgmma_commit();
    wgmma_wait<0>();

    for (int tile = 0; tile < tiles; tile++)
    {
        const int k0 = tile * BK;
        const int stage = tile % STAGES, next_stage = (tile + 1) % STAGES;
        const unsigned int v_tile = shared_base + (2 * stage + 1) * TILE_BYTES;
        const unsigned int next_k_tile = shared_base + 2 * next_stage * TILE_BYTES;
        cp_async_wait<STAGES - 2>();   // tile + 1 has landed (tile + 2 may still be in flight)
        fence_proxy_async_shared();
        __syncthreads();

        float s_next[BK / 2];
        const bool next = tile + 1 < my_tiles;
        if (next)
        {
#pragma unroll
            for (int i = 0; i < BK / 2; i++) s_next[i] = 0.0f;
            wgmma_fence();
            scores<BK>(s_next, qa, next_k_tile);   // runs on the tensor cores during this tile's softmax
            wgmma_commit();
        }
        if (tile < my_tiles)
        {
            unsigned int pa[BK / 16][4];
            online_softmax<BK>(s, pa, o, m0, m1, l0, l1, k0, warp_row, row0, row1, t, len, scale_log2);
            wgmma_fence();
            accumulate<BK>(o, pa, v_tile);
            wgmma_commit();
        }
        wgmma_wait<0>();
        if (next)
        {
#pragma unroll
            for (int i = 0; i < BK / 2; i++) s[i] = s_next[i];
        }

        __syncthreads();   // every warpgroup is done with this tile's stage: refill it with tile + STAGES
        if (tile + STAGES < tiles)
        {
            load_tile<BK, THREADS>(shared_base + 2 * stage * TILE_BYTES, kb, kv_stride, k0 + STAGES * BK, len);
            load_tile<BK, THREADS>(v_tile, vb, kv_stride, k0 + STAGES * BK, len);
        }
        cp_async_commit();
    }

    store_rows(o, l0, l1, out + (size_t)start * out_stride + (size_t)h * D, out_stride, row0, row1, t, len);
}
// Registers per thread after setmaxnreg (multiples of 8; the block's sum fits the 64K of an SM): the producer keeps
// few, the consumers take the rest. Two consumers: 40·128 + 232·256 = 64,512; three: 32·128 + 160·384 = 65,536.
template <int CONSUMERS> constexpr int producer_registers = CONSUMERS == 2 ? 40 : 32;
template <int CONSUMERS> constexpr int consumer_registers = CONSUMERS == 2 ? 232 : 160;

// The warp-specialized kernel (FlashAttention-3's division of work, with cp.async where it uses TMA): warpgroup 0
// only loads K/V tiles into a ring of STAGES shared-memory stages; warpgroups 1..CONSUMERS only compute, 64 query
// rows each, and never wait for each other or for a block-wide barrier — a stage is handed over by mbarriers (full:
// the producer's copies landed; empty: every consumer is done reading it), so one consumer's softmax runs while
// another's products are on the tensor cores. Inside a consumer the next tile's Q·Kᵀ and this tile's P·V are issued
// together and the softmax of the next tile runs while P·V still runs (intra-warpgroup overlap). Q stays in shared
// memory (each consumer loads its own 64 rows once) so a consumer's registers hold only O, S and P: with two
// consumers that fits BK = 128 in 232 registers, with three (192 query rows per block, each K/V tile read from L2
// once for 1.5 times the rows) BK = 64 in 160. The producer gives its registers up (setmaxnreg).
// PINGPONG (two consumers; FlashAttention-3's inter-warpgroup schedule): the consumers take turns issuing their
// products, handing the turn over by named barriers, so one's softmax always runs while the other's products keep the
// tensor cores busy instead of both reaching the tensor cores at once. Both then walk every tile of the block (a
// tile past a row's diagonal is fully masked and adds nothing), as the turns must pair up.
template <int BK, int STAGES, int CONSUMERS, bool PINGPONG = false>
__device__ __forceinline__ void flash_attention_ws(const bf16* __restrict__ q, int q_stride,
                                                   const bf16* __restrict__ k, const bf16* __restrict__ v, int kv_stride,
                                                   bf16* __restrict__ out, int out_stride, const int* __restrict__ cu_seqlens,
                                                   int heads, int kv_heads, float scale_log2)
{
    static_assert(STAGES >= 3, "the producer keeps STAGES - 2 tiles in flight");
    static_assert(producer_registers<CONSUMERS> * 128 + consumer_registers<CONSUMERS> * 128 * CONSUMERS <= 65536, "registers");
    static_assert(!PINGPONG || CONSUMERS == 2, "the ping-pong schedule is for two consumers");
    constexpr int BQ = 64 * CONSUMERS;
    constexpr int TILE_BYTES = BK * D * 2, Q_TILE_BYTES = 64 * D * 2;
    extern __shared__ unsigned char shared_raw[];
    // Stage b's K at stages + 2b·TILE_BYTES, its V right after; then each consumer's Q tile; then the full and the
    // empty barriers.
    const unsigned int stages = (shared_address(shared_raw) + 1023u) & ~1023u;
    const unsigned int q_tiles = stages + 2 * STAGES * TILE_BYTES;
    const unsigned int full = q_tiles + CONSUMERS * Q_TILE_BYTES, empty = full + 8 * STAGES;

    const auto [start, len, q0, h, g_head] = block_place(cu_seqlens, BQ, heads, kv_heads);
    if (q0 >= len) return;
    const int tiles = (min(len, q0 + BQ) + BK - 1) / BK;   // the producer loads every tile some row of the block sees
    // Read from lane 0 so the compiler sees the warpgroup index is the same across the warp (as CUTLASS's
    // canonical_warp_group_idx): the branches below, and the setmaxnreg in them, are then warp-uniform.
    const int warpgroup = __shfl_sync(0xffffffffu, (int)(threadIdx.x >> 7), 0), thread = threadIdx.x & 127;

    if (threadIdx.x == 0)
    {
        for (int b = 0; b < STAGES; b++)
        {
            mbarrier_init(full + 8 * b, 128);                // each producer thread, once its copies landed
            mbarrier_init(empty + 8 * b, CONSUMERS * 128);   // each consumer thread, once its reads of the stage are done
        }
    }
    __syncthreads();

    if (warpgroup == 0)
    {
        setmaxnreg_dec<producer_registers<CONSUMERS>>();
        const bf16* kb = k + (size_t)start * kv_stride + (size_t)g_head * D;
        const bf16* vb = v + (size_t)start * kv_stride + (size_t)g_head * D;
        // AHEAD tiles' copies stay in flight while the producer waits for the oldest: a tile is handed over once
        // it landed. cp.async writes through the generic proxy and wgmma reads through the async one: fence before
        // the release. (AHEAD = STAGES - 2: the consumers free tile t - STAGES only after tile t - STAGES + 1 is full.)
        constexpr int AHEAD = STAGES - 2;
        for (int tile = 0; tile < tiles; tile++)
        {
            const int stage = tile % STAGES;
            if (tile >= STAGES) mbarrier_wait(empty + 8 * stage, (tile / STAGES - 1) & 1);
            load_rows<BK, 128>(stages + 2 * stage * TILE_BYTES, kb, kv_stride, tile * BK, len, thread);
            load_rows<BK, 128>(stages + (2 * stage + 1) * TILE_BYTES, vb, kv_stride, tile * BK, len, thread);
            cp_async_commit();
            if (tile >= AHEAD)
            {
                cp_async_wait<AHEAD>();
                fence_proxy_async_shared();
                mbarrier_arrive(full + 8 * ((tile - AHEAD) % STAGES));
            }
        }
        cp_async_wait<0>();
        fence_proxy_async_shared();
        for (int tile = max(0, tiles - AHEAD); tile < tiles; tile++) mbarrier_arrive(full + 8 * (tile % STAGES));
        return;
    }

    setmaxnreg_inc<consumer_registers<CONSUMERS>>();
    const int consumer = warpgroup - 1;
    const int warp = thread >> 5, lane = thread & 31, g = lane >> 2, t = lane & 3;
    const int group_row = q0 + consumer * 64;
    const int warp_row = group_row + warp * 16;
    const int row0 = warp_row + g, row1 = row0 + 8;
    // The tiles this consumer's rows see: with BK = 64 a consumer skips the diagonal tiles of those after it, and a
    // consumer past the sequence end sees none; it still takes part in handing every stage back.
    const int my_tiles = PINGPONG ? tiles : group_row < len ? (min(len, group_row + 64) + BK - 1) / BK : 0;
    // The turns (PINGPONG): consumer c waits at barrier 3 + c before issuing and arrives at the other's after, each
    // consumer issuing my_tiles + 1 times. Consumer 1 gives consumer 0 the first turn and skips its own last hand-over,
    // so every barrier sees as many arrivals as waits and none is left pending when the block ends.
    const auto wait_turn = [&] { if constexpr (PINGPONG) named_barrier_sync(3 + consumer, 256); };
    const auto pass_turn = [&](bool last) { if constexpr (PINGPONG) if (!last || consumer == 0) named_barrier_arrive(4 - consumer, 256); };

    // This consumer's 64 query rows into its Q tile (zeros past the end), visible to its own wgmmas: its 128 threads
    // wait for their copies, fence into the async proxy, and meet at the warpgroup's own barrier (ids 1..CONSUMERS).
    const unsigned int q_tile = q_tiles + consumer * Q_TILE_BYTES;
    if (my_tiles > 0)
    {
        load_rows<64, 128>(q_tile, q + (size_t)start * q_stride + (size_t)h * D, q_stride, group_row, len, thread);
        cp_async_commit();
        cp_async_wait<0>();
        fence_proxy_async_shared();
        named_barrier_sync(1 + consumer, 128);
    }
    if (consumer == 1) pass_turn(false);
    float o[64];
#pragma unroll
    for (int i = 0; i < 64; i++) o[i] = 0.0f;
    float m0 = NEG_INF_SM90, m1 = NEG_INF_SM90, l0 = 0.0f, l1 = 0.0f, alpha0, alpha1;
    float s[BK / 2];
#pragma unroll
    for (int i = 0; i < BK / 2; i++) s[i] = 0.0f;   // overwritten (scale_d 0); set so no register is read undefined
    unsigned int pa[BK / 16][4];

    if (my_tiles > 0)
    {
        mbarrier_wait(full, 0);
        wait_turn();
        wgmma_fence();
        scores_ss<BK>(s, q_tile, stages);
        wgmma_commit();
        pass_turn(false);
        wgmma_wait<0>();
        softmax_scores<BK>(s, m0, m1, l0, l1, alpha0, alpha1, 0, warp_row, row0, row1, t, len, scale_log2);
        rescale_and_pack<BK>(s, pa, o, alpha0, alpha1);

        for (int tile = 1; tile < my_tiles; tile++)
        {
            const int stage = tile % STAGES, previous = (tile - 1) % STAGES;
            mbarrier_wait(full + 8 * stage, (tile / STAGES) & 1);
            wait_turn();
            wgmma_fence();
            scores_ss<BK>(s, q_tile, stages + 2 * stage * TILE_BYTES);
            wgmma_commit();
            accumulate<BK>(o, pa, stages + (2 * previous + 1) * TILE_BYTES);   // the previous tile's P·V, meanwhile
            wgmma_commit();
            pass_turn(false);
            wgmma_wait<1>();   // S has landed (groups complete in order); P·V may still run
            softmax_scores<BK>(s, m0, m1, l0, l1, alpha0, alpha1, tile * BK, warp_row, row0, row1, t, len, scale_log2);
            wgmma_wait<0>();   // P·V too: its stage is free, and O and P may change
            mbarrier_arrive(empty + 8 * previous);
            rescale_and_pack<BK>(s, pa, o, alpha0, alpha1);
        }
        const int last = (my_tiles - 1) % STAGES;
        wait_turn();
        wgmma_fence();
        accumulate<BK>(o, pa, stages + (2 * last + 1) * TILE_BYTES);
        wgmma_commit();
        pass_turn(true);
        wgmma_wait<0>();
        mbarrier_arrive(empty + 8 * last);
    }
    // Tiles only later consumers need: wait until each is loaded (so this arrival counts for its own round of the
    // stage, not the round before) and hand it back at once.
    for (int tile = my_tiles; tile < tiles; tile++)
    {
        mbarrier_wait(full + 8 * (tile % STAGES), (tile / STAGES) & 1);
        mbarrier_arrive(empty + 8 * (tile % STAGES));
    }
    if (my_tiles > 0) store_rows(o, l0, l1, out + (size_t)start * out_stride + (size_t)h * D, out_stride, row0, row1, t, len);
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

// (query rows, keys per tile): _k64 and _k128 are 2 warpgroups (128 query rows); _q192_k64 is 3 (192 rows, one more
// warpgroup to overlap softmax with another's wgmma). Dynamic shared memory: two stages of K and V tiles
// (4·BK·128·2 bytes), plus 1 KB to align the first to 1024 bytes.
FLASH_ATTENTION_SM90(flash_attention_sm90_k64, 256, sm90::flash_attention<64, 2>)
FLASH_ATTENTION_SM90(flash_attention_sm90_k128, 256, sm90::flash_attention<128, 2>)
FLASH_ATTENTION_SM90(flash_attention_sm90_q192_k64, 384, sm90::flash_attention<64, 3>)

// The pipelined variant: three stages, dynamic shared memory 6·BK·256 + 1024 bytes.
FLASH_ATTENTION_SM90(flash_attention_sm90_pipelined_k64, 256, sm90::flash_attention_pipelined<64>)
FLASH_ATTENTION_SM90(flash_attention_sm90_pipelined_k128, 256, sm90::flash_attention_pipelined<128>)

// The warp-specialized kernels: a producer warpgroup and two (ws) or three (ws3) consumers of 64 query rows, BK-key
// tiles in STAGES stages (3 or more: see AHEAD); _pp: the two consumers' ping-pong. Dynamic shared memory: the stages (STAGES·2·BK·256 bytes), the
// consumers' Q tiles (64·256 bytes each), the 2·STAGES mbarriers, and 1 KB to align to 1024 bytes.
FLASH_ATTENTION_SM90(flash_attention_sm90_ws_k64, 384, sm90::flash_attention_ws<64, 3, 2>)
FLASH_ATTENTION_SM90(flash_attention_sm90_ws_k64_s4, 384, sm90::flash_attention_ws<64, 4, 2>)
FLASH_ATTENTION_SM90(flash_attention_sm90_ws_k128, 384, sm90::flash_attention_ws<128, 3, 2>)
FLASH_ATTENTION_SM90(flash_attention_sm90_ws_k64_pp, 384, sm90::flash_attention_ws<64, 3, 2, true>)
FLASH_ATTENTION_SM90(flash_attention_sm90_ws_k128_pp, 384, sm90::flash_attention_ws<128, 3, 2, true>)
FLASH_ATTENTION_SM90(flash_attention_sm90_ws3_k64, 512, sm90::flash_attention_ws<64, 3, 3>)
FLASH_ATTENTION_SM90(flash_attention_sm90_ws3_k64_s4, 512, sm90::flash_attention_ws<64, 4, 3>)
