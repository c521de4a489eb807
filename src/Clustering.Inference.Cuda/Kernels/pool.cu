// pool.cu — pooling + Matryoshka truncation + L2 normalization, to fp32 embeddings.
//
//   mode 0 (by index: last token, or first):  v = hidden[indices[s], 0:dims]
//   mode 1 (mean):                            v = mean over t in [cu_seqlens[s], cu_seqlens[s+1]) of hidden[t, 0:dims]
//   out[s] = normalize ? v / max(‖v‖₂, 1e-12) : v        (MRL: the first `dims` values, then the norm, as
//                                                          sentence-transformers does)
// Shapes: hidden (tokens, stride) fp32 or bf16; indices (sequences) int32; cu_seqlens (sequences + 1) int32;
//         out (sequences, dims) fp32.
// Launch: grid (sequences), block 256.
// Why:    the last step of the model, tiny; doing it here means only (sequences, dims) floats cross PCIe.
#include "common.cuh"

template <typename TIn>
__device__ void pool_impl(const TIn* __restrict__ hidden, int stride, const int* __restrict__ indices,
                          const int* __restrict__ cu_seqlens, int mode, float* __restrict__ out, int dims, int normalize)
{
    __shared__ float scratch[32];
    const int s = blockIdx.x;
    float* o = out + (size_t)s * dims;
    float sum = 0.0f;
    for (int i = threadIdx.x; i < dims; i += blockDim.x)
    {
        float v;
        if (mode == 0)
        {
            v = load_as_float(hidden + (size_t)indices[s] * stride + i);
        }
        else
        {
            const int begin = cu_seqlens[s], end = cu_seqlens[s + 1];
            float acc = 0.0f;
            for (int t = begin; t < end; t++) acc += load_as_float(hidden + (size_t)t * stride + i);
            v = end > begin ? acc / (float)(end - begin) : 0.0f;
        }
        o[i] = v;
        sum += v * v;
    }
    const float total = block_sum(sum, scratch);
    if (normalize)
    {
        const float scale = 1.0f / fmaxf(sqrtf(total), 1e-12f);
        for (int i = threadIdx.x; i < dims; i += blockDim.x) o[i] *= scale;  // each thread rescales what it wrote
    }
}

extern "C" __global__ void pool_f32(const float* hidden, int stride, const int* indices, const int* cu_seqlens, int mode,
                                    float* out, int dims, int normalize)
{
    pool_impl(hidden, stride, indices, cu_seqlens, mode, out, dims, normalize);
}

extern "C" __global__ void pool_bf16(const bf16* hidden, int stride, const int* indices, const int* cu_seqlens, int mode,
                                     float* out, int dims, int normalize)
{
    pool_impl(hidden, stride, indices, cu_seqlens, mode, out, dims, normalize);
}
