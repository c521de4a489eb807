// rmsnorm.cu — fused residual add + RMSNorm.
//
//   if delta: x[r] += delta[r]            (the residual add; x is the fp32 residual stream, updated in place)
//   out[r] = x[r] / sqrt(mean(x[r]²) + eps) · weight
//
// Shapes: x (rows, n) fp32 or bf16 with row stride x_stride; delta (rows, n) bf16 or null; weight (n) bf16;
//         out (rows, n) bf16 or fp32 with row stride out_stride. out may alias x only when both are fp32.
// Launch: grid (rows), block 256; one block per row, sum of squares in fp32 through a block reduction, then a
//         second pass over the row (it is still in L1/L2: n ≤ a few thousand).
// Why:    Qwen3 runs this twice per layer; fusing the add saves a full read+write of the residual stream per norm.
//         Reductions in fp32 keep bf16 activations within the 1e-3 budget against the fp32 reference.
#include "common.cuh"

template <typename TIn, typename TOut>
__device__ void rmsnorm_impl(TIn* x, int x_stride, const bf16* __restrict__ delta, int delta_stride,
                             const bf16* __restrict__ weight, TOut* out, int out_stride, int n, float eps)
{
    __shared__ float scratch[32];
    const int row = blockIdx.x;
    TIn* xr = x + (size_t)row * x_stride;
    float sum = 0.0f;
    if (delta != nullptr)
    {
        const bf16* dr = delta + (size_t)row * delta_stride;
        for (int i = threadIdx.x; i < n; i += blockDim.x)
        {
            float v = load_as_float(xr + i) + bf16_to_float(dr[i]);
            store_from_float(xr + i, v);
            v = load_as_float(xr + i);  // as stored (bf16 rounding included), so the norm sees what later layers see
            sum += v * v;
        }
    }
    else
    {
        for (int i = threadIdx.x; i < n; i += blockDim.x)
        {
            float v = load_as_float(xr + i);
            sum += v * v;
        }
    }
    const float total = block_sum(sum, scratch);
    const float inv = rsqrtf(total / (float)n + eps);
    TOut* orow = out + (size_t)row * out_stride;
    for (int i = threadIdx.x; i < n; i += blockDim.x)
        store_from_float(orow + i, load_as_float(xr + i) * inv * bf16_to_float(weight[i]));
}

extern "C" __global__ void rmsnorm_f32_bf16(float* x, int x_stride, const bf16* delta, int delta_stride,
                                            const bf16* weight, bf16* out, int out_stride, int n, float eps)
{
    rmsnorm_impl(x, x_stride, delta, delta_stride, weight, out, out_stride, n, eps);
}

extern "C" __global__ void rmsnorm_f32_f32(float* x, int x_stride, const bf16* delta, int delta_stride,
                                           const bf16* weight, float* out, int out_stride, int n, float eps)
{
    rmsnorm_impl(x, x_stride, delta, delta_stride, weight, out, out_stride, n, eps);
}

extern "C" __global__ void rmsnorm_bf16_bf16(bf16* x, int x_stride, const bf16* delta, int delta_stride,
                                             const bf16* weight, bf16* out, int out_stride, int n, float eps)
{
    rmsnorm_impl(x, x_stride, delta, delta_stride, weight, out, out_stride, n, eps);
}
