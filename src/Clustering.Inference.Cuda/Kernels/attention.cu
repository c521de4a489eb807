// attention.cu — variable-length causal flash attention on tensor cores (bf16 in, fp32 accumulate, bf16 out).
//
//   for each sequence s (tokens [cu_seqlens[s], cu_seqlens[s+1])), query head h, query position i in s:
//     out[i, h] = Σ_{j ≤ i} softmax_j(q[i,h] · k[j,h/G] / sqrt(D)) · v[j,h/G]        G = heads / kv_heads (GQA by index)
//
// Shapes: q (tokens, q_stride) bf16, head h at columns [h·D, (h+1)·D); k, v (tokens, kv_stride) bf16, kv head g at
//         [g·D, (g+1)·D) — column slices of the fused QKV output, so no copy; out (tokens, out_stride) bf16;
//         cu_seqlens (sequences + 1) int32. D ∈ {16, 32, 64, 128} (one kernel each: flash_attention_d<D>).
// Launch: grid (ceil(max_len / BQ), sequences, heads), block BQ·2 threads (BQ / 16 warps); a block owns BQ query rows
//         of one (sequence, head), each warp 16 of them; blocks past their sequence's end return at once.
//         BQ = 64 (flash_attention_d<D>) or 128 (flash_attention_q128_d<D>: every K/V tile loaded to shared memory
//         serves twice the queries). Tiles run last-first along x, so a sequence's costliest (causal) tile starts first.
// Why:    FlashAttention-2's scheme: the score tile S = Q·Kᵀ (16×64 per warp) lives in mma.sync m16n8k16
//         accumulators, the online softmax (running max m, running sum l, in fp32, base-2 exponent with the
//         1/sqrt(D)·log2(e) scale folded in) rescales the output accumulator O, and P is repacked from S's
//         accumulator layout straight into the A operand of P·V — no score matrix ever reaches memory (that
//         softmax, the rescale and the final O / l are attention_softmax.cuh's, shared with the Hopper kernels).
//         K and V tiles (64 keys) go through shared memory with rows padded by 16 bytes (no bank conflicts on the
//         B-fragment reads), loaded with cp.async so that V's load hides behind Q·Kᵀ and the next K's behind P·V
//         (the first version loaded through registers between barriers: 58 TFLOP/s on an H100, memory latency
//         exposed every tile). Both B operands come from ldmatrix.x4 (V's transposed), four fragments per
//         instruction. Causality bounds the key loop at the tile's last query; keys past the sequence end are
//         zero-filled; only the tiles that reach the diagonal or the end are masked. mma.sync (sm_80+)
//         rather than Hopper's wgmma: portable to every GPU we may meet, and attention is a minority of the FLOPs.
#include "common.cuh"
#include "async_copy.cuh"
#include "attention_softmax.cuh"

// c: the 4 accumulators of this thread, c[0..3] (a slice of a register array, so the call sites stay unrolled).
__device__ __forceinline__ void mma_bf16_16816(float* c, const unsigned int (&a)[4], unsigned int b0, unsigned int b1)
{
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Four 8×8 bf16 matrices, not transposed: lanes 8m..8m+7 give the row addresses of matrix m. For K (rows = keys,
// 8 dims each) that is the B fragment of Q·Kᵀ: matrices (dims d..d+7 | d+8..d+15) of keys k..k+7 give b0, b1 of one
// 16-dim step, and the next two matrices those of the following step.
__device__ __forceinline__ void ldmatrix_x4(unsigned int& r0, unsigned int& r1, unsigned int& r2, unsigned int& r3, unsigned int address)
{
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3) : "r"(address));
}

__device__ __forceinline__ void ldmatrix_x2(unsigned int& r0, unsigned int& r1, unsigned int address)
{
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0,%1}, [%2];\n" : "=r"(r0), "=r"(r1) : "r"(address));
}

// Four transposed 8×8 matrices: V's B fragments of P·V for two 8-dim column tiles at once (see the call site).
__device__ __forceinline__ void ldmatrix_x4_trans(unsigned int& r0, unsigned int& r1, unsigned int& r2, unsigned int& r3, unsigned int address)
{
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3) : "r"(address));
}

__device__ __forceinline__ unsigned int load_u32(const bf16* p) { return *(const unsigned int*)p; }

// One 64-row K or V tile (rows from first, zeros past len) into shared memory, asynchronously; every thread takes part.
template <int D, int LDS>
__device__ __forceinline__ void load_tile_async(bf16* tile, const bf16* __restrict__ base, int stride, int first, int len)
{
    constexpr int BK = 64, CHUNKS = D / 8;
    const unsigned int tile_address = shared_address(tile);
    for (int i = threadIdx.x; i < BK * CHUNKS; i += blockDim.x)
    {
        const int r = i / CHUNKS, c = (i % CHUNKS) * 8;
        const bool valid = first + r < len;
        const bf16* source = base + (size_t)(valid ? first + r : 0) * stride + c;
        cp_async_16(tile_address + (unsigned int)((r * LDS + c) * 2), source, valid);
    }
    cp_async_commit();
}

template <int D, int BQ>
__device__ __forceinline__ void flash_attention(const bf16* __restrict__ q, int q_stride,
                                                const bf16* __restrict__ k, const bf16* __restrict__ v, int kv_stride,
                                                bf16* __restrict__ out, int out_stride, const int* __restrict__ cu_seqlens,
                                                int heads, int kv_heads, float scale_log2)
{
    constexpr int BK = 64, LDS = D + 8;   // row stride in shared memory: +16 bytes against bank conflicts
    __shared__ __align__(16) bf16 ks[BK * LDS];
    __shared__ __align__(16) bf16 vs[BK * LDS];

    const int start = cu_seqlens[blockIdx.y];
    const int len = cu_seqlens[blockIdx.y + 1] - start;
    const int q0 = (gridDim.x - 1 - blockIdx.x) * BQ;
    if (q0 >= len) return;
    const int h = blockIdx.z;
    const int g_head = h / (heads / kv_heads);
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    const int warp_row = q0 + warp * 16;                    // this warp's first query position
    const int row0 = warp_row + g, row1 = row0 + 8;         // query positions (inside the sequence) of this thread

    const bf16* kb = k + (size_t)start * kv_stride + (size_t)g_head * D;
    const bf16* vb = v + (size_t)start * kv_stride + (size_t)g_head * D;
    const int key_end = min(len, q0 + BQ);   // causal: no query of this tile sees a key at or past q0 + BQ
    const int tiles = (key_end + BK - 1) / BK;
    load_tile_async<D, LDS>(ks, kb, kv_stride, 0, len);   // K of the first tile streams in while Q is read

    // Q as A fragments, for the whole head dimension, kept in registers for the block's life.
    unsigned int qa[D / 16][4];
    const bf16* qb = q + (size_t)start * q_stride + (size_t)h * D;
#pragma unroll
    for (int kc = 0; kc < D / 16; kc++)
    {
        const int col = kc * 16 + t * 2;
        qa[kc][0] = row0 < len ? load_u32(qb + (size_t)row0 * q_stride + col) : 0u;
        qa[kc][1] = row1 < len ? load_u32(qb + (size_t)row1 * q_stride + col) : 0u;
        qa[kc][2] = row0 < len ? load_u32(qb + (size_t)row0 * q_stride + col + 8) : 0u;
        qa[kc][3] = row1 < len ? load_u32(qb + (size_t)row1 * q_stride + col + 8) : 0u;
    }

    float o[D / 2];   // D / 8 output tiles of 8 dims, 4 accumulators each (attention_softmax.cuh's layout)
#pragma unroll
    for (int i = 0; i < D / 2; i++) o[i] = 0.0f;
    float m0 = ATTENTION_NEG_INF, m1 = ATTENTION_NEG_INF, l0 = 0.0f, l1 = 0.0f;

    const unsigned int ks_address = shared_address(ks), vs_address = shared_address(vs);
    // ldmatrix row addresses of this lane: K rows are keys (lane & 7) with dims 8·(lane >> 3); V rows are keys
    // (lane & 15) with dims 8·(lane >> 4) (see the two call sites).
    const unsigned int k_lane = ks_address + (unsigned int)(((lane & 7) * LDS + (lane >> 3) * 8) * 2);
    const unsigned int v_lane = vs_address + (unsigned int)(((lane & 15) * LDS + (lane >> 4) * 8) * 2);

    // FlashAttention-2's pipeline over two buffers: V of tile i loads while S = Q·Kᵢᵀ and the softmax run, K of
    // tile i+1 loads while O += P·Vᵢ runs; each wait is followed by a barrier, which also tells every warp that the
    // buffer about to be refilled has been read by all.
    for (int tile = 0; tile < tiles; tile++)
    {
        const int k0 = tile * BK;
        cp_async_wait<0>();
        __syncthreads();   // Kᵢ has landed; every warp is done with Vᵢ₋₁
        load_tile_async<D, LDS>(vs, vb, kv_stride, k0, len);

        // A warp whose 16 queries all precede the tile has nothing to add from it (only with BQ > BK).
        const bool active = k0 <= warp_row + 15;
        unsigned int pa[BK / 16][4];   // P in bf16 as A fragments, one set per 16-key step
        if (active)
        {
            // S = Q · Kᵀ for this warp's 16 rows and the tile's 64 keys: 8 accumulator tiles of 16×8.
            float s[BK / 2];
#pragma unroll
            for (int nt = 0; nt < BK / 8; nt++)
            {
                float* tile_scores = s + 4 * nt;
                tile_scores[0] = tile_scores[1] = tile_scores[2] = tile_scores[3] = 0.0f;
                const unsigned int key_rows = k_lane + (unsigned int)(nt * 8 * LDS * 2);
#pragma unroll
                for (int kc = 0; kc + 1 < D / 16; kc += 2)
                {
                    unsigned int b0, b1, b2, b3;
                    ldmatrix_x4(b0, b1, b2, b3, key_rows + kc * 16 * 2);
                    mma_bf16_16816(tile_scores, qa[kc], b0, b1);
                    mma_bf16_16816(tile_scores, qa[kc + 1], b2, b3);
                }
                if constexpr ((D / 16) % 2 == 1)
                {
                    unsigned int b0, b1;   // lanes 0-15 address the two matrices (the rest are ignored)
                    ldmatrix_x2(b0, b1, key_rows + (D - 16) * 2);
                    mma_bf16_16816(tile_scores, qa[D / 16 - 1], b0, b1);
                }
            }
            // Mask where the tile reaches past this warp's first query or the sequence end, P = 2^(S·scale - m),
            // O rescaled, P packed.
            online_softmax<BK>(s, pa, o, m0, m1, l0, l1, k0, warp_row, row0, row1, t, len, scale_log2);
        }

        cp_async_wait<0>();
        __syncthreads();   // Vᵢ has landed; every warp is done with Kᵢ
        if (tile + 1 < tiles) load_tile_async<D, LDS>(ks, kb, kv_stride, k0 + BK, len);

        if (active)
        {
            // O += P · V, two 8-key tiles of P per 16-key step. One ldmatrix.x4.trans serves two 8-dim output tiles:
            // lanes 0-15 address keys kc·16 + (lane & 15) at dims dt·8 (b0, b1 of tile dt), lanes 16-31 the same
            // keys at dims (dt+1)·8 (b0, b1 of tile dt+1).
#pragma unroll
            for (int kc = 0; kc < BK / 16; kc++)
            {
                const unsigned int key_rows = v_lane + (unsigned int)(kc * 16 * LDS * 2);
#pragma unroll
                for (int dt = 0; dt < D / 8; dt += 2)
                {
                    unsigned int b0, b1, b2, b3;
                    ldmatrix_x4_trans(b0, b1, b2, b3, key_rows + dt * 8 * 2);
                    mma_bf16_16816(o + 4 * dt, pa[kc], b0, b1);
                    mma_bf16_16816(o + 4 * (dt + 1), pa[kc], b2, b3);
                }
            }
        }
    }

    store_rows(o, l0, l1, out + (size_t)start * out_stride + (size_t)h * D, out_stride, row0, row1, t, len);
}

#define FLASH_ATTENTION(D)                                                                                          \
    extern "C" __global__ void __launch_bounds__(128) flash_attention_d##D(                                          \
        const bf16* q, int q_stride, const bf16* k, const bf16* v, int kv_stride, bf16* out, int out_stride,        \
        const int* cu_seqlens, int heads, int kv_heads, float scale_log2)                                           \
    {                                                                                                               \
        flash_attention<D, 64>(q, q_stride, k, v, kv_stride, out, out_stride, cu_seqlens, heads, kv_heads, scale_log2); \
    }                                                                                                               \
    extern "C" __global__ void __launch_bounds__(256) flash_attention_q128_d##D(                                     \
        const bf16* q, int q_stride, const bf16* k, const bf16* v, int kv_stride, bf16* out, int out_stride,        \
        const int* cu_seqlens, int heads, int kv_heads, float scale_log2)                                           \
    {                                                                                                               \
        flash_attention<D, 128>(q, q_stride, k, v, kv_stride, out, out_stride, cu_seqlens, heads, kv_heads, scale_log2); \
    }

FLASH_ATTENTION(16)
FLASH_ATTENTION(32)
FLASH_ATTENTION(64)
FLASH_ATTENTION(128)
