// tma.cuh — Hopper (sm_90a) tensor memory accelerator: bulk tensor copies from global to shared memory described by
// a tensor map, completed on an mbarrier that counts the bytes. One thread issues a whole tile where cp.async needs
// every thread of a warpgroup; the copy engine applies the 128-byte swizzle wgmma's descriptors name.
//
// The tensor map (CUtensorMap) is made on the host by cuTensorMapEncodeTiled (AttentionLauncher.TensorMaps) and
// passed by value as a __grid_constant__ kernel parameter, so the copy reads it from the parameter space.
#pragma once

// 128 opaque bytes, 64-byte aligned, as the driver's CUtensorMap.
struct alignas(64) TensorMap { unsigned long long opaque[16]; };

// Arrives on the mbarrier (one of its expected arrivals) and adds `bytes` to the transaction count its phase waits
// for: the phase completes when every arrival came and every byte the copies announced has landed.
__device__ __forceinline__ void mbarrier_arrive_expect_tx(unsigned int bar, unsigned int bytes)
{
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" :: "r"(bar), "r"(bytes) : "memory");
}

// The box of the 2-D tensor map at element coordinates (column c0, row c1) into shared memory at `shared` (1024-byte
// aligned for the 128-byte swizzle); its bytes are counted on `bar`. Elements outside the tensor's extent are written
// as zeros.
__device__ __forceinline__ void tma_load_2d(unsigned int shared, const TensorMap* map, int c0, int c1, unsigned int bar)
{
    asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];\n"
                 :: "r"(shared), "l"(map), "r"(c0), "r"(c1), "r"(bar) : "memory");
}

// Brings the tensor map into the copy engine's descriptor cache before the first copy needs it.
__device__ __forceinline__ void tma_prefetch(const TensorMap* map)
{
    asm volatile("prefetch.tensormap [%0];\n" :: "l"(map) : "memory");
}
