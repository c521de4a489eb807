// attention_sm90_ws.cu — the warp-specialized Hopper attention kernels (FlashAttention-3's producer/consumer split):
// the same computation as attention_sm90.cu's kernels, with a producer warpgroup handing K/V stages to two or three
// consumer warpgroups by mbarriers, loading by cp.async (ws, ws3) or by TMA (tma, tma3). tma3-k64 is the default on
// Hopper (1.38-1.46x attention_sm90.cu's q192-k64 at 2k-32k tokens through the engine; tests/gpu/NOTES.md, 'Fourth
// step, TMA' to 'Sixth step'); the cp.async ones measured slower than q192-k64 and stay for comparison
// (CLUSTERING_ATTENTION_SM90=ws-k128, ...).
#include "attention_sm90.cuh"
#include "tma.cuh"

namespace sm90
{
// Registers per thread after setmaxnreg (multiples of 8; the block's sum fits the 64K of an SM): the producer keeps
// few, the consumers take the rest. Two consumers: 40·128 + 232·256 = 64,512; three: 32·128 + 160·384 = 65,536.
template <int CONSUMERS> constexpr int producer_registers = CONSUMERS == 2 ? 40 : 32;
template <int CONSUMERS> constexpr int consumer_registers = CONSUMERS == 2 ? 232 : 160;

// The producers of the ws kernel: tile t of the block's keys into stage t % STAGES (K at stages + 2·stage·TILE_BYTES, V
// right after), once the consumers handed the stage's previous tile back (empty), announced on the stage's full barrier.

// cp.async from the producer warpgroup's 128 threads. AHEAD tiles' copies stay in flight while each thread waits for
// the oldest: a tile is handed over once it landed. cp.async writes through the generic proxy and wgmma reads through
// the async one: fence before the release. (AHEAD = STAGES - 2: the consumers free tile t - STAGES only after tile
// t - STAGES + 1 is full.)
template <int BK, int STAGES>
__device__ __forceinline__ void produce_cp_async(unsigned int stages, unsigned int full, unsigned int empty,
                                                 const bf16* __restrict__ k, const bf16* __restrict__ v, int kv_stride,
                                                 int start, int len, int g_head, int tiles, int thread)
{
    constexpr int TILE_BYTES = BK * D * 2, AHEAD = STAGES - 2;
    const bf16* kb = k + (size_t)start * kv_stride + (size_t)g_head * D;
    const bf16* vb = v + (size_t)start * kv_stride + (size_t)g_head * D;
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
}

// TMA from one thread: per tile one arrival that announces both tiles' bytes, and one bulk tensor copy per 64-dim half
// of K and of V. Map coordinates (column, token row): K/V head g's halves start at columns 128g and 128g + 64, and each
// lands where load_rows puts it (the second half BK·128 bytes after the first).
template <int BK, int STAGES>
__device__ __forceinline__ void produce_tma(unsigned int stages, unsigned int full, unsigned int empty,
                                            const TensorMap* k_map, const TensorMap* v_map, int start, int g_head, int tiles)
{
    constexpr int TILE_BYTES = BK * D * 2;
    tma_prefetch(k_map);
    tma_prefetch(v_map);
    for (int tile = 0; tile < tiles; tile++)
    {
        const int stage = tile % STAGES, row = start + tile * BK;
        const unsigned int k_tile = stages + 2 * stage * TILE_BYTES, v_tile = k_tile + TILE_BYTES, bar = full + 8 * stage;
        if (tile >= STAGES) mbarrier_wait(empty + 8 * stage, (tile / STAGES - 1) & 1);
        mbarrier_arrive_expect_tx(bar, 2 * TILE_BYTES);
        tma_load_2d(k_tile, k_map, g_head * D, row, bar);
        tma_load_2d(k_tile + BK * 128, k_map, g_head * D + 64, row, bar);
        tma_load_2d(v_tile, v_map, g_head * D, row, bar);
        tma_load_2d(v_tile + BK * 128, v_map, g_head * D + 64, row, bar);
    }
}

// The warp-specialized kernel (FlashAttention-3's division of work, loading by cp.async or, TMA, as it does): warpgroup
// 0 only loads K/V tiles into a ring of STAGES shared-memory stages; warpgroups 1..CONSUMERS only compute, 64 query
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
// TMA (FlashAttention-3's loads): one producer thread brings each K and V tile in with bulk tensor copies (k_map,
// v_map: tensor maps of K and V made by the launcher) that the full barrier counts in bytes, instead of 128 threads of
// cp.async that must each wait for their copies before they can hand a stage over; the other 127 producer threads
// leave at once. Rows past the batch's last token arrive as zeros (the map's extent), rows of the next sequence
// are masked as keys past the end are.
template <int BK, int STAGES, int CONSUMERS, bool PINGPONG = false, bool TMA = false>
__device__ __forceinline__ void flash_attention_ws(const bf16* __restrict__ q, int q_stride,
                                                   const bf16* __restrict__ k, const bf16* __restrict__ v, int kv_stride,
                                                   bf16* __restrict__ out, int out_stride, const int* __restrict__ cu_seqlens,
                                                   int heads, int kv_heads, float scale_log2,
                                                   const TensorMap* k_map = nullptr, const TensorMap* v_map = nullptr)
{
    static_assert(TMA || STAGES >= 3, "the cp.async producer keeps STAGES - 2 tiles in flight");
    static_assert(STAGES >= 2, "stages");
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
            // cp.async: each producer thread arrives once its copies landed; TMA: the issuing thread arrives once
            // and the copies' bytes complete the phase.
            mbarrier_init(full + 8 * b, TMA ? 1 : 128);
            mbarrier_init(empty + 8 * b, CONSUMERS * 128);   // each consumer thread, once its reads of the stage are done
        }
        // The copy engine (async proxy) must see the initialized barriers.
        if constexpr (TMA) asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
    }
    __syncthreads();

    if (warpgroup == 0)
    {
        setmaxnreg_dec<producer_registers<CONSUMERS>>();
        if constexpr (TMA)
        {
            if (thread == 0) produce_tma<BK, STAGES>(stages, full, empty, k_map, v_map, start, g_head, tiles);
        }
        else produce_cp_async<BK, STAGES>(stages, full, empty, k, v, kv_stride, start, len, g_head, tiles, thread);
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
    float m0 = ATTENTION_NEG_INF, m1 = ATTENTION_NEG_INF, l0 = 0.0f, l1 = 0.0f, alpha0, alpha1;
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

// The TMA kernels: as the ws ones with a one-thread TMA producer; two more parameters, the tensor maps of K and V
// (TensorMap.Rows: 2-D, kv_heads·128 columns by the batch's tokens, 128-byte swizzle, boxes of 64 columns by BK
// rows), passed by value so the copies read them from the parameter space.
#define FLASH_ATTENTION_SM90_TMA(NAME, THREADS, ...)                                                                  \
    extern "C" __global__ void __launch_bounds__(THREADS, 1) NAME(                                                   \
        const bf16* q, int q_stride, const bf16* k, const bf16* v, int kv_stride, bf16* out, int out_stride,        \
        const int* cu_seqlens, int heads, int kv_heads, float scale_log2,                                           \
        const __grid_constant__ TensorMap k_map, const __grid_constant__ TensorMap v_map)                           \
    {                                                                                                               \
        __VA_ARGS__(q, q_stride, k, v, kv_stride, out, out_stride, cu_seqlens, heads, kv_heads, scale_log2,         \
                    &k_map, &v_map);                                                                                \
    }

FLASH_ATTENTION_SM90_TMA(flash_attention_sm90_tma_k64, 384, sm90::flash_attention_ws<64, 4, 2, false, true>)
FLASH_ATTENTION_SM90_TMA(flash_attention_sm90_tma_k128, 384, sm90::flash_attention_ws<128, 3, 2, false, true>)
FLASH_ATTENTION_SM90_TMA(flash_attention_sm90_tma_k128_pp, 384, sm90::flash_attention_ws<128, 3, 2, true, true>)
FLASH_ATTENTION_SM90_TMA(flash_attention_sm90_tma3_k64, 512, sm90::flash_attention_ws<64, 4, 3, false, true>)
