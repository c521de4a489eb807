// wgmma.cuh — Hopper (sm_90a) warpgroup matrix multiply: shared-memory descriptors and the wgmma instructions the
// attention kernel uses. Only for sources built with --gpu-architecture=sm_90a (wgmma does not exist elsewhere).
//
// A warpgroup is 4 consecutive warps starting at a warp index divisible by 4; all 128 threads issue each wgmma.
// wgmma runs asynchronously: wgmma_fence() before the first one of a batch (orders earlier register writes to A and
// D), wgmma_commit() after the batch, wgmma_wait<N>() until at most N batches are still in flight; D's registers
// must not be touched in between.
#pragma once

__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void wgmma_wait() { asm volatile("wgmma.wait_group.sync.aligned %0;\n" :: "n"(N) : "memory"); }

// Shared memory written by the generic proxy (cp.async, st.shared) must be fenced before the tensor cores (async
// proxy) read it; each writing thread fences, then a barrier.
__device__ __forceinline__ void fence_proxy_async_shared() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }

// Matrix descriptor (PTX ISA, "Matrix Descriptor Format"): start address, leading and stride byte offsets (all in
// 16-byte units, 14 bits each), swizzle mode in bits 62-63 (1 = 128-byte swizzle). With the 128-byte swizzle a
// tile is stored as rows of 128 bytes, 8 rows to a 1024-byte atom (1024-byte aligned), and the 16-byte chunk c of
// row r sits at chunk c ^ (r % 8). K-major operand: rows are N (or M) indices, 64 K elements each; the stride byte
// offset steps 8 rows (1024 B), the leading one is unused; the k-th 16-element step starts 32·k bytes in. N-major
// operand (B transposed): rows are K indices, 64 N elements each; stride byte offset = 8 K rows (1024 B), leading
// byte offset = the distance to the next 64 N elements.
__device__ __forceinline__ unsigned long long wgmma_descriptor_sw128(unsigned int shared_address, unsigned int leading_bytes, unsigned int stride_bytes)
{
    return (unsigned long long)((shared_address & 0x3FFFFu) >> 4)
         | ((unsigned long long)((leading_bytes >> 4) & 0x3FFFu) << 16)
         | ((unsigned long long)((stride_bytes >> 4) & 0x3FFFu) << 32)
         | (1ull << 62);
}

// The accumulator operands of a wgmma of N columns: N/2 floats per thread, %0 .. %(N/2 - 1) in the instruction text.
#define WGMMA_D32 "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, " \
                  "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31}"
#define WGMMA_D64 "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, " \
                  "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, " \
                  "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, " \
                  "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}"
#define WGMMA_OUT32(d) "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),          \
                       "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),   \
                       "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), \
                       "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
#define WGMMA_OUT64(d) WGMMA_OUT32(d),                                                                                        \
                       "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), \
                       "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), \
                       "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), \
                       "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])

// D[64×64] (+)= A[64×16]·B[16×64] on the tensor cores of one warpgroup (wgmma, asynchronous: see wgmma_commit /
// wgmma_wait). A from registers in the mma.sync A layout of each warp's 16 rows; B in shared memory by descriptor;
// scale_d 0 overwrites D, 1 accumulates. TRANS_B 0 reads B K-major (K tiles), 1 N-major (V tiles).
template <int TRANS_B>
__device__ __forceinline__ void wgmma_m64n64k16(float (&d)[32], const unsigned int (&a)[4], unsigned long long desc_b, int scale_d)
{
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %37, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 " WGMMA_D32 ", {%32, %33, %34, %35}, %36, p, 1, 1, %38;\n}\n"
                 : WGMMA_OUT32(d)
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc_b), "r"(scale_d), "n"(TRANS_B));
}

// D[64×128] (+)= A[64×16]·B[16×128], as wgmma_m64n64k16 with 128 columns.
template <int TRANS_B>
__device__ __forceinline__ void wgmma_m64n128k16(float (&d)[64], const unsigned int (&a)[4], unsigned long long desc_b, int scale_d)
{
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %69, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 " WGMMA_D64 ", {%64, %65, %66, %67}, %68, p, 1, 1, %70;\n}\n"
                 : WGMMA_OUT64(d)
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc_b), "r"(scale_d), "n"(TRANS_B));
}

// D[64×N] (+)= A[64×16]·B[16×N] with both operands in shared memory, K-major (Q·Kᵀ with Q in shared memory: the ws
// kernels keep Q there to leave the consumers' registers to S, P and O).
__device__ __forceinline__ void wgmma_m64n64k16_ss(float (&d)[32], unsigned long long desc_a, unsigned long long desc_b, int scale_d)
{
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %34, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 " WGMMA_D32 ", %32, %33, p, 1, 1, 0, 0;\n}\n"
                 : WGMMA_OUT32(d)
                 : "l"(desc_a), "l"(desc_b), "r"(scale_d));
}

__device__ __forceinline__ void wgmma_m64n128k16_ss(float (&d)[64], unsigned long long desc_a, unsigned long long desc_b, int scale_d)
{
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 " WGMMA_D64 ", %64, %65, p, 1, 1, 0, 0;\n}\n"
                 : WGMMA_OUT64(d)
                 : "l"(desc_a), "l"(desc_b), "r"(scale_d));
}

// Warp specialization (FlashAttention-3): a producer warpgroup gives registers up, the consumers take them. Every
// warp of a warpgroup executes the same setmaxnreg; the counts are multiples of 8 and their sum over the block's
// warpgroups fits the 64K registers of an SM.
template <int N>
__device__ __forceinline__ void setmaxnreg_dec() { asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" :: "n"(N)); }
template <int N>
__device__ __forceinline__ void setmaxnreg_inc() { asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" :: "n"(N)); }

// mbarrier (a 64-bit word of shared memory counting arrivals, with a phase bit that flips when the count is reached).
__device__ __forceinline__ void mbarrier_init(unsigned int bar, int count)
{
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" :: "r"(bar), "r"(count) : "memory");
}

// Release: this thread's earlier writes are visible to a thread that sees the phase complete.
__device__ __forceinline__ void mbarrier_arrive(unsigned int bar)
{
    asm volatile("{\n.reg .b64 state;\nmbarrier.arrive.release.cta.shared::cta.b64 state, [%0];\n}\n" :: "r"(bar) : "memory");
}

// Acquire: waits until the phase of parity `parity` (0 or 1: the n-th completion has parity n & 1) completed.
__device__ __forceinline__ void mbarrier_wait(unsigned int bar, int parity)
{
    unsigned int done;
    do
    {
        asm volatile("{\n.reg .pred p;\nmbarrier.try_wait.parity.acquire.cta.shared::cta.b64 p, [%1], %2;\nselp.u32 %0, 1, 0, p;\n}\n"
                     : "=r"(done) : "r"(bar), "r"(parity) : "memory");
    } while (!done);
}

// A barrier among `threads` threads only (bar.sync with an id other than 0, which __syncthreads uses): one
// warpgroup waits for its own threads without stopping the rest of the block.
__device__ __forceinline__ void named_barrier_sync(int id, int threads)
{
    asm volatile("bar.sync %0, %1;\n" :: "r"(id), "r"(threads) : "memory");
}

// Arrives at barrier `id` without waiting: counts toward the `threads` of which the rest wait there (bar.sync).
__device__ __forceinline__ void named_barrier_arrive(int id, int threads)
{
    asm volatile("bar.arrive %0, %1;\n" :: "r"(id), "r"(threads) : "memory");
}
