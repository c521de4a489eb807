// embedding.cu — embedding gather: out[t, :] = table[ids[t], :].
//
// Shapes: table (vocab, hidden) bf16; ids (tokens) int32; out (tokens, hidden) bf16 or fp32 (the fp32 residual stream).
// Launch:  grid (tokens), block 128; each thread moves 8 elements (16 bytes of bf16) per step when hidden % 8 == 0,
//          one element at a time otherwise (the small fixture models).
// Why:     pure copy, memory bound: one read of each gathered row, one write. An id outside [0, vocab) writes
//          zeros instead of reading out of bounds (the host validates ids first; this is the last line).
#include "common.cuh"

__device__ __forceinline__ void store8(bf16* out, vec16 v) { *(vec16*)out = v; }
__device__ __forceinline__ void store8(float* out, vec16 v)
{
    vec16 a, b;
    a.x = __float_as_uint(bf16x2_lo(v.x)); a.y = __float_as_uint(bf16x2_hi(v.x));
    a.z = __float_as_uint(bf16x2_lo(v.y)); a.w = __float_as_uint(bf16x2_hi(v.y));
    b.x = __float_as_uint(bf16x2_lo(v.z)); b.y = __float_as_uint(bf16x2_hi(v.z));
    b.z = __float_as_uint(bf16x2_lo(v.w)); b.w = __float_as_uint(bf16x2_hi(v.w));
    ((vec16*)out)[0] = a;
    ((vec16*)out)[1] = b;
}

template <typename TOut>
__device__ void embedding_impl(const bf16* __restrict__ table, const int* __restrict__ ids, TOut* __restrict__ out,
                               int hidden, int vocab)
{
    const int token = blockIdx.x;
    const int id = ids[token];
    TOut* row_out = out + (size_t)token * hidden;
    if (id < 0 || id >= vocab)
    {
        for (int i = threadIdx.x; i < hidden; i += blockDim.x) store_from_float(row_out + i, 0.0f);
        return;
    }
    const bf16* row = table + (size_t)id * hidden;
    if ((hidden & 7) == 0)
    {
        for (int i = threadIdx.x * 8; i < hidden; i += blockDim.x * 8) store8(row_out + i, *(const vec16*)(row + i));
    }
    else
    {
        for (int i = threadIdx.x; i < hidden; i += blockDim.x) store_from_float(row_out + i, bf16_to_float(row[i]));
    }
}

extern "C" __global__ void embedding_bf16(const bf16* table, const int* ids, bf16* out, int hidden, int vocab)
{
    embedding_impl(table, ids, out, hidden, vocab);
}

extern "C" __global__ void embedding_f32(const bf16* table, const int* ids, float* out, int hidden, int vocab)
{
    embedding_impl(table, ids, out, hidden, vocab);
}
