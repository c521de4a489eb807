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
//         accumulator layout straight into the A operand of P·V — no score matrix ever reaches memory. K and V
//         tiles (64 keys) go through shared memory with rows padded by 16 bytes (no bank conflicts on the
//         B-fragment reads); V's B operand is read transposed with ldmatrix.trans. Causality bounds the key loop
//         at the tile's last query; keys past the sequence end are zero-filled and masked. mma.sync (sm_80+)
//         rather than Hopper's wgmma: portable to every GPU we may meet, and attention is a minority of the FLOPs.
#include "common.cuh"

#define NEG_INF __int_as_float(0xff800000)

__device__ __forceinline__ void mma_bf16_16816(float (&c)[4], const unsigned int (&a)[4], unsigned int b0, unsigned int b1)
{
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ __forceinline__ unsigned int shared_address(const void* p)
{
    unsigned int r;
    asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(r) : "l"(p));
    return r;
}

// Two transposed 8×8 bf16 matrices: lanes 0-7 give the row addresses of the first (keys k..k+7), lanes 8-15 of the
// second (keys k+8..k+15); each thread receives the B fragment (keys 2t, 2t+1 | 2t+8, 2t+9; dim g) of mma m16n8k16.
__device__ __forceinline__ void ldmatrix_x2_trans(unsigned int& b0, unsigned int& b1, unsigned int address)
{
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0,%1}, [%2];\n" : "=r"(b0), "=r"(b1) : "r"(address));
}

__device__ __forceinline__ unsigned int load_u32(const bf16* p) { return *(const unsigned int*)p; }

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
    const int row0 = q0 + warp * 16 + g, row1 = row0 + 8;   // query positions (inside the sequence) of this thread

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

    float o[D / 8][4];
#pragma unroll
    for (int dt = 0; dt < D / 8; dt++) o[dt][0] = o[dt][1] = o[dt][2] = o[dt][3] = 0.0f;
    float m0 = NEG_INF, m1 = NEG_INF, l0 = 0.0f, l1 = 0.0f;

    const bf16* kb = k + (size_t)start * kv_stride + (size_t)g_head * D;
    const bf16* vb = v + (size_t)start * kv_stride + (size_t)g_head * D;
    const int key_end = min(len, q0 + BQ);   // causal: no query of this tile sees a key at or past q0 + BQ

    for (int k0 = 0; k0 < key_end; k0 += BK)
    {
        __syncthreads();   // everyone is done reading the previous tile
        constexpr int CHUNKS = D / 8;
        for (int i = threadIdx.x; i < BK * CHUNKS; i += blockDim.x)
        {
            const int r = i / CHUNKS, c = (i % CHUNKS) * 8;
            vec16 kv = {0u, 0u, 0u, 0u}, vv = {0u, 0u, 0u, 0u};
            if (k0 + r < len)
            {
                kv = *(const vec16*)(kb + (size_t)(k0 + r) * kv_stride + c);
                vv = *(const vec16*)(vb + (size_t)(k0 + r) * kv_stride + c);
            }
            *(vec16*)(ks + r * LDS + c) = kv;
            *(vec16*)(vs + r * LDS + c) = vv;
        }
        __syncthreads();

        // S = Q · Kᵀ for this warp's 16 rows and the tile's 64 keys: 8 accumulator tiles of 16×8.
        float s[BK / 8][4];
#pragma unroll
        for (int nt = 0; nt < BK / 8; nt++)
        {
            s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.0f;
#pragma unroll
            for (int kc = 0; kc < D / 16; kc++)
            {
                const bf16* kr = ks + (nt * 8 + g) * LDS + kc * 16 + t * 2;
                mma_bf16_16816(s[nt], qa[kc], load_u32(kr), load_u32(kr + 8));
            }
        }

        // Mask (causal, sequence end), scale to base 2, and the tile's row maxima (a row's 4 threads share it).
        float mx0 = NEG_INF, mx1 = NEG_INF;
#pragma unroll
        for (int nt = 0; nt < BK / 8; nt++)
        {
#pragma unroll
            for (int j = 0; j < 4; j++)
            {
                const int key = k0 + nt * 8 + t * 2 + (j & 1);
                const int row = j < 2 ? row0 : row1;
                const float value = (key <= row && key < len) ? s[nt][j] * scale_log2 : NEG_INF;
                s[nt][j] = value;
                if (j < 2) mx0 = fmaxf(mx0, value); else mx1 = fmaxf(mx1, value);
            }
        }
        mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 1));
        mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 2));
        mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 1));
        mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 2));
        // The first tile always holds key 0 ≤ every row, so the running max is finite from then on.
        const float new_m0 = fmaxf(m0, mx0), new_m1 = fmaxf(m1, mx1);
        const float alpha0 = exp2f(m0 - new_m0), alpha1 = exp2f(m1 - new_m1);
        m0 = new_m0;
        m1 = new_m1;
        l0 *= alpha0;
        l1 *= alpha1;
#pragma unroll
        for (int dt = 0; dt < D / 8; dt++)
        {
            o[dt][0] *= alpha0; o[dt][1] *= alpha0;
            o[dt][2] *= alpha1; o[dt][3] *= alpha1;
        }
#pragma unroll
        for (int nt = 0; nt < BK / 8; nt++)
        {
            s[nt][0] = exp2f(s[nt][0] - m0);
            s[nt][1] = exp2f(s[nt][1] - m0);
            s[nt][2] = exp2f(s[nt][2] - m1);
            s[nt][3] = exp2f(s[nt][3] - m1);
            l0 += s[nt][0] + s[nt][1];
            l1 += s[nt][2] + s[nt][3];
        }

        // O += P · V: P's accumulator layout is exactly the A-operand layout, two 8-key tiles per 16-key step.
#pragma unroll
        for (int kc = 0; kc < BK / 16; kc++)
        {
            unsigned int pa[4];
            pa[0] = pack_bf16x2(s[2 * kc][0], s[2 * kc][1]);
            pa[1] = pack_bf16x2(s[2 * kc][2], s[2 * kc][3]);
            pa[2] = pack_bf16x2(s[2 * kc + 1][0], s[2 * kc + 1][1]);
            pa[3] = pack_bf16x2(s[2 * kc + 1][2], s[2 * kc + 1][3]);
            const int key_row = kc * 16 + (lane & 15);   // lanes 0-15 address the 16 key rows
#pragma unroll
            for (int dt = 0; dt < D / 8; dt++)
            {
                unsigned int b0, b1;
                ldmatrix_x2_trans(b0, b1, shared_address(vs + key_row * LDS + dt * 8));
                mma_bf16_16816(o[dt], pa, b0, b1);
            }
        }
    }

    // The row sums are split over the 4 threads of a row.
    l0 += __shfl_xor_sync(0xffffffffu, l0, 1);
    l0 += __shfl_xor_sync(0xffffffffu, l0, 2);
    l1 += __shfl_xor_sync(0xffffffffu, l1, 1);
    l1 += __shfl_xor_sync(0xffffffffu, l1, 2);
    const float inv0 = 1.0f / l0, inv1 = 1.0f / l1;
    bf16* ob = out + (size_t)start * out_stride + (size_t)h * D;
#pragma unroll
    for (int dt = 0; dt < D / 8; dt++)
    {
        const int col = dt * 8 + t * 2;
        if (row0 < len) *(unsigned int*)(ob + (size_t)row0 * out_stride + col) = pack_bf16x2(o[dt][0] * inv0, o[dt][1] * inv0);
        if (row1 < len) *(unsigned int*)(ob + (size_t)row1 * out_stride + col) = pack_bf16x2(o[dt][2] * inv1, o[dt][3] * inv1);
    }
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
