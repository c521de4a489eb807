// common.cuh — shared by every kernel: the bf16 type and conversions, warp/block reductions, 16-byte vectors.
//
// Why our own bf16 instead of <cuda_bf16.h>: the kernels then compile with NVRTC alone, with no include path to
// a CUDA toolkit (a machine with only the driver and libnvrtc can run us, and a machine with no GPU can check that
// every kernel compiles). bf16 is the upper half of an IEEE float; rounding is to nearest even, NaN kept NaN.
#pragma once

typedef unsigned short bf16;

struct __align__(16) vec16 { unsigned int x, y, z, w; };   // 8 bf16 or 4 float: one 16-byte access

__device__ __forceinline__ float bf16_to_float(bf16 v) { return __uint_as_float(((unsigned int)v) << 16); }

__device__ __forceinline__ bf16 float_to_bf16(float f)
{
    unsigned int u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (bf16)((u >> 16) | 0x40u);  // NaN: keep it a (quiet) NaN
    u += 0x7fffu + ((u >> 16) & 1u);                                          // round to nearest, ties to even
    return (bf16)(u >> 16);
}

// Two floats → one register of two bf16, lo in the low half (the lower column index), as mma.sync expects.
__device__ __forceinline__ unsigned int pack_bf16x2(float lo, float hi)
{
    unsigned int r;
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}

__device__ __forceinline__ float bf16x2_lo(unsigned int v) { return __uint_as_float(v << 16); }
__device__ __forceinline__ float bf16x2_hi(unsigned int v) { return __uint_as_float(v & 0xffff0000u); }

// Loads and stores that let one kernel body serve fp32 and bf16 tensors.
__device__ __forceinline__ float load_as_float(const float* p) { return *p; }
__device__ __forceinline__ float load_as_float(const bf16* p) { return bf16_to_float(*p); }
__device__ __forceinline__ void store_from_float(float* p, float v) { *p = v; }
__device__ __forceinline__ void store_from_float(bf16* p, float v) { *p = float_to_bf16(v); }

__device__ __forceinline__ float warp_sum(float v)
{
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

// Sum over the whole block (blockDim.x a multiple of 32, at most 1024); every thread gets the total.
// `scratch` holds 32 floats of shared memory; the function ends with a barrier so scratch can be reused.
__device__ __forceinline__ float block_sum(float v, float* scratch)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_sum(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float total = lane < warps ? scratch[lane] : 0.0f;
    total = warp_sum(total);
    __syncthreads();
    return total;
}
