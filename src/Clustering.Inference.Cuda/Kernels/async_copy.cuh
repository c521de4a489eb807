// async_copy.cuh — cp.async (sm_80+): 16 bytes from global to shared memory without passing through registers, in
// commit groups a thread can wait for. Shared by the attention kernels (attention.cu, attention_sm90*.cu), which
// stream K and V tiles in while the tensor cores work on the previous ones.
#pragma once

// The 32-bit shared-window address of a shared-memory pointer, as ldmatrix, cp.async and the descriptors take it.
__device__ __forceinline__ unsigned int shared_address(const void* p)
{
    unsigned int r;
    asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(r) : "l"(p));
    return r;
}

// A source size of 0 writes 16 zero bytes instead of reading: rows past a sequence's end become zero keys and values.
__device__ __forceinline__ void cp_async_16(unsigned int shared, const void* global, bool valid)
{
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" :: "r"(shared), "l"(global), "r"(valid ? 16 : 0));
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }

// Waits until at most N of this thread's committed groups are still in flight.
template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" :: "n"(N) : "memory"); }
