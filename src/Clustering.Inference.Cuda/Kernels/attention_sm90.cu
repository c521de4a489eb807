// attention_sm90.cu — variable-length causal GQA flash attention for Hopper (sm_90a): Q·Kᵀ and P·V on wgmma.
//
//   for each sequence s (tokens [cu_seqlens[s], cu_seqlens[s+1])), query head h, query position i in s:
//     out[i, h] = Σ_{j ≤ i} softmax_j(q[i,h] · k[j,h/G] / sqrt(D)) · v[j,h/G]        G = heads / kv_heads (GQA by index)
//
// Shapes: as attention.cu (q/k/v column slices of the fused QKV output with row strides, out bf16, cu_seqlens int32),
//         head_dim D = 128 only (every Qwen3-Embedding size).
// Launch: grid (ceil(max_len / BQ), sequences, heads), block 2 or 3 computing warpgroups (BQ = 128 or 192 query
//         rows, 64 per warpgroup: one wgmma M) plus, in the ws kernels (attention_sm90_ws.cu), a producer
//         warpgroup; dynamic shared memory as the entry points at the end of the file say (more than 48 KB: the
//         launcher raises the function's limit); BK = 64 or 128 keys per K/V tile. Blocks past their sequence's end
//         return at once; tiles run last-first along x so the costliest causal tiles start first.
// Why:    attention.cu's mma.sync kernel tops out near 90 TFLOP/s on an H100; the tensor cores of Hopper are fed at
//         full rate only by wgmma (a warpgroup-wide 64×N×16 product, B read straight from shared memory). Scheme:
//         FlashAttention-2/3's online softmax (running max and sum in fp32, base-2 exponent, scale·log2(e) folded
//         in). S = Q·Kᵀ: A = Q from registers (loaded once per block), B = the K tile K-major in shared memory.
//         O += P·V: A = P straight from S's accumulator registers (the wgmma accumulator layout is the mma.sync
//         one, which is also the register-A layout, so P never touches shared memory), B = the V tile read
//         N-major (wgmma transposes). K and V tiles are stored with the 128-byte swizzle the descriptors name, two
//         64-dim halves per tile, and brought in by cp.async two tiles ahead (double buffer) — the first step of
//         FlashAttention-3's design; the ws kernels (attention_sm90_ws.cu) add its producer warpgroup and setmaxnreg.
//         Keys past the sequence end are zero-filled (a NaN in unused V rows would otherwise reach O through a 0
//         weight); only tiles that reach the diagonal or the sequence end are masked.
#include "attention_sm90.cuh"

namespace sm90
{
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
    float m0 = ATTENTION_NEG_INF, m1 = ATTENTION_NEG_INF, l0 = 0.0f, l1 = 0.0f;

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
    float m0 = ATTENTION_NEG_INF, m1 = ATTENTION_NEG_INF, l0 = 0.0f, l1 = 0.0f;

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
} // namespace sm90

// (query rows, keys per tile): _k64 and _k128 are 2 warpgroups (128 query rows); _q192_k64 is 3 (192 rows, one more
// warpgroup to overlap softmax with another's wgmma). Dynamic shared memory: two stages of K and V tiles
// (4·BK·128·2 bytes), plus 1 KB to align the first to 1024 bytes.
FLASH_ATTENTION_SM90(flash_attention_sm90_k64, 256, sm90::flash_attention<64, 2>)
FLASH_ATTENTION_SM90(flash_attention_sm90_k128, 256, sm90::flash_attention<128, 2>)
FLASH_ATTENTION_SM90(flash_attention_sm90_q192_k64, 384, sm90::flash_attention<64, 3>)

// The pipelined variant: three stages, dynamic shared memory 6·BK·256 + 1024 bytes.
FLASH_ATTENTION_SM90(flash_attention_sm90_pipelined_k64, 256, sm90::flash_attention_pipelined<64>)
FLASH_ATTENTION_SM90(flash_attention_sm90_pipelined_k128, 256, sm90::flash_attention_pipelined<128>)
