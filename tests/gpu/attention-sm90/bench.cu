// bench.cu — standalone check and timing of attention_sm90.cu (wgmma) against attention.cu (mma.sync) and a
// float64 CPU reference, built on the GPU machine with nvcc (tests/gpu/attention-sm90.sh); no .NET needed there.
//
// Checks: ragged batches (lengths 1, 7, 63-65, 127-129, 255, 300, 513, 1000, 2085 ...: not multiples of any
// tile), GQA 16/8, 4/1, 2/2, outputs poisoned with NaN first (an unwritten element fails), fresh random inputs per
// case; ‖out − ref‖ / ‖ref‖ per kernel must stay under 1e-2 (bf16 operands). Then a 16k-token document, new vs old.
// Timing: CUDA events, 3 warm-ups, median of 20, per length on 65,536 tokens (or one longer document), the shapes
// of Qwen3-Embedding-0.6B (16/8 heads) and 4B (32/8), FLOPs as GpuBenchmarks.RunAttention: 2·L·(L+1)·D per head.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cmath>
#include <vector>
#include <algorithm>
#include <random>
#include "attention.cu"
#include "attention_sm90.cu"
#ifndef NO_WS   // attention-sm90.sh builds without the ws kernels when their file does not compile
#include "attention_sm90_ws.cu"
#include <cuda.h>   // cuTensorMapEncodeTiled for the TMA kernels' tensor maps (linked with -lcuda)
#endif

#define CHECK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { printf("CUDA error %s at %s:%d: %s\n", cudaGetErrorString(e_), __FILE__, __LINE__, #x); exit(2); } } while (0)

typedef void (*Kernel)(const bf16*, int, const bf16*, const bf16*, int, bf16*, int, const int*, int, int, float);
#ifndef NO_WS
typedef void (*TmaKernel)(const bf16*, int, const bf16*, const bf16*, int, bf16*, int, const int*, int, int, float, TensorMap, TensorMap);
#else
typedef void* TmaKernel;
#endif
// kernel, or tma with the keys per tile (the tensor maps' box rows) for the kernels that load K/V by TMA.
struct Variant { const char* name; Kernel kernel; int bq; int threads; int shared; TmaKernel tma = nullptr; int tma_keys = 0; };

static float h_bf16_to_float(bf16 v) { unsigned int u = ((unsigned int)v) << 16; float f; memcpy(&f, &u, 4); return f; }
static bf16 h_float_to_bf16(float f) { unsigned int u; memcpy(&u, &f, 4); u += 0x7fffu + ((u >> 16) & 1u); return (bf16)(u >> 16); }

static std::vector<Variant> variants()
{
    std::vector<Variant> v;
    v.push_back({"mma.sync q64", flash_attention_d128, 64, 128, 0});
    v.push_back({"mma.sync q128", flash_attention_q128_d128, 128, 256, 0});
    v.push_back({"wgmma k64", flash_attention_sm90_k64, 128, 256, 4 * 64 * 128 * 2 + 1024});
    v.push_back({"wgmma k128", flash_attention_sm90_k128, 128, 256, 4 * 128 * 128 * 2 + 1024});
    v.push_back({"wgmma q192 k64", flash_attention_sm90_q192_k64, 192, 384, 4 * 64 * 128 * 2 + 1024});
    v.push_back({"wgmma pipe k64", flash_attention_sm90_pipelined_k64, 128, 256, 6 * 64 * 128 * 2 + 1024});
    v.push_back({"wgmma pipe k128", flash_attention_sm90_pipelined_k128, 128, 256, 6 * 128 * 128 * 2 + 1024});
#ifndef NO_WS
    // The ws kernels: a producer warpgroup and 2 or 3 consumers; shared memory as in AttentionLauncher.WgmmaVariants.
    auto ws = [](int keys, int stages, int consumers) { return stages * 2 * keys * 256 + consumers * 64 * 256 + 16 * stages + 1024; };
    v.push_back({"wgmma ws k64", flash_attention_sm90_ws_k64, 128, 384, ws(64, 3, 2)});
    v.push_back({"wgmma ws k64 s4", flash_attention_sm90_ws_k64_s4, 128, 384, ws(64, 4, 2)});
    v.push_back({"wgmma ws k128", flash_attention_sm90_ws_k128, 128, 384, ws(128, 3, 2)});
    v.push_back({"wgmma ws k64 pp", flash_attention_sm90_ws_k64_pp, 128, 384, ws(64, 3, 2)});
    v.push_back({"wgmma ws k128 pp", flash_attention_sm90_ws_k128_pp, 128, 384, ws(128, 3, 2)});
    v.push_back({"wgmma ws3 k64", flash_attention_sm90_ws3_k64, 192, 512, ws(64, 3, 3)});
    v.push_back({"wgmma ws3 k64 s4", flash_attention_sm90_ws3_k64_s4, 192, 512, ws(64, 4, 3)});
    // The TMA kernels: the same, with K/V brought in by a one-thread TMA producer.
    v.push_back({"tma k64", nullptr, 128, 384, ws(64, 4, 2), flash_attention_sm90_tma_k64, 64});
    v.push_back({"tma k128", nullptr, 128, 384, ws(128, 3, 2), flash_attention_sm90_tma_k128, 128});
    v.push_back({"tma k128 pp", nullptr, 128, 384, ws(128, 3, 2), flash_attention_sm90_tma_k128_pp, 128});
    v.push_back({"tma3 k64", nullptr, 192, 512, ws(64, 4, 3), flash_attention_sm90_tma3_k64, 64});
    for (auto& x : v)
        if (x.shared > 48 * 1024 && x.tma) CHECK(cudaFuncSetAttribute(x.tma, cudaFuncAttributeMaxDynamicSharedMemorySize, x.shared));
#endif
    for (auto& x : v)
        if (x.shared > 48 * 1024 && x.kernel) CHECK(cudaFuncSetAttribute(x.kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, x.shared));
    return v;
}

struct Batch
{
    std::vector<int> lengths, cu;
    int heads, kv_heads, width, total, max_len;
    bf16 *qkv = nullptr, *out = nullptr; int* cu_d = nullptr;
    std::vector<bf16> host;
    Batch(std::vector<int> l, int h, int kv, unsigned seed) : lengths(l), heads(h), kv_heads(kv)
    {
        cu.push_back(0);
        for (int x : lengths) cu.push_back(cu.back() + x);
        total = cu.back();
        max_len = *std::max_element(lengths.begin(), lengths.end());
        width = (heads + 2 * kv_heads) * 128 + 8;   // a row stride wider than the heads, as a fused QKV slice may be
        host.resize((size_t)total * width);
        unsigned long long state = 0x9E3779B97F4A7C15ull * (seed + 1);   // xorshift: fast enough for 10^8 values
        for (auto& x : host)
        {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            x = h_float_to_bf16((float)((state >> 40) * (4.0 / 16777216.0) - 2.0));   // uniform in [-2, 2)
        }
        CHECK(cudaMalloc(&qkv, host.size() * 2));
        CHECK(cudaMemcpy(qkv, host.data(), host.size() * 2, cudaMemcpyHostToDevice));
        CHECK(cudaMalloc(&out, (size_t)total * heads * 128 * 2));
        CHECK(cudaMalloc(&cu_d, cu.size() * 4));
        CHECK(cudaMemcpy(cu_d, cu.data(), cu.size() * 4, cudaMemcpyHostToDevice));
    }
    ~Batch() { cudaFree(qkv); cudaFree(out); cudaFree(cu_d); }
    void launch(const Variant& v)
    {
        const float scale_log2 = (float)(1.0 / sqrt(128.0) * 1.4426950408889634);
        dim3 grid((max_len + v.bq - 1) / v.bq, (unsigned)lengths.size(), heads);
        const bf16 *k = qkv + heads * 128, *vv = qkv + (heads + kv_heads) * 128;
#ifndef NO_WS
        if (v.tma)
        {
            const int i = v.tma_keys == 64 ? 0 : 1;
            if (!maps_made[i])   // once per batch and box: the maps are host-side descriptors, encoded outside the timing
            {
                k_map[i] = tensor_map(k, v.tma_keys);
                v_map[i] = tensor_map(vv, v.tma_keys);
                maps_made[i] = true;
            }
            v.tma<<<grid, v.threads, v.shared>>>(qkv, width, k, vv, width, out, heads * 128, cu_d, heads, kv_heads, scale_log2,
                                                 k_map[i], v_map[i]);
            return;
        }
#endif
        v.kernel<<<grid, v.threads, v.shared>>>(qkv, width, k, vv, width, out, heads * 128, cu_d, heads, kv_heads, scale_log2);
    }
#ifndef NO_WS
    TensorMap k_map[2], v_map[2];
    bool maps_made[2] = {false, false};
    // As TensorMap.Rows in the engine: kv_heads·128 columns by `total` rows, `width` elements apart, boxes of 64 columns
    // by `keys` rows, 128-byte swizzle, rows past the batch as zeros.
    TensorMap tensor_map(const bf16* base, int keys) const
    {
        TensorMap map;
        cuuint64_t dims[2] = {(cuuint64_t)kv_heads * 128, (cuuint64_t)total}, strides[1] = {(cuuint64_t)width * 2};
        cuuint32_t box[2] = {64, (cuuint32_t)keys}, element_strides[2] = {1, 1};
        const CUresult r = cuTensorMapEncodeTiled((CUtensorMap*)&map, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 2, (void*)base, dims, strides, box,
                                                  element_strides, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                                                  CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
        if (r != CUDA_SUCCESS) { printf("cuTensorMapEncodeTiled failed: %d\n", (int)r); exit(2); }
        return map;
    }
#endif
    std::vector<bf16> run(const Variant& v)
    {
        CHECK(cudaMemset(out, 0xFF, (size_t)total * heads * 128 * 2));   // NaN poison
        launch(v);
        CHECK(cudaGetLastError());
        CHECK(cudaDeviceSynchronize());
        std::vector<bf16> result((size_t)total * heads * 128);
        CHECK(cudaMemcpy(result.data(), out, result.size() * 2, cudaMemcpyDeviceToHost));
        return result;
    }
    float at(int token, int column) const { return h_bf16_to_float(host[(size_t)token * width + column]); }
    std::vector<double> reference() const
    {
        std::vector<double> ref((size_t)total * heads * 128, 0.0);
        const double scale = 1.0 / sqrt(128.0);
        std::vector<double> w;
        for (size_t s = 0; s < lengths.size(); s++)
            for (int h = 0; h < heads; h++)
            {
                const int g = h / (heads / kv_heads), qc = h * 128, kc = (heads + g) * 128, vc = (heads + kv_heads + g) * 128;
                for (int i = 0; i < lengths[s]; i++)
                {
                    const int ti = cu[s] + i;
                    w.assign(i + 1, 0.0);
                    double mx = -1e300;
                    for (int j = 0; j <= i; j++)
                    {
                        double dot = 0;
                        for (int d = 0; d < 128; d++) dot += (double)at(ti, qc + d) * at(cu[s] + j, kc + d);
                        w[j] = dot * scale;
                        mx = std::max(mx, w[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) { w[j] = exp(w[j] - mx); sum += w[j]; }
                    double* o = &ref[((size_t)ti * heads + h) * 128];
                    for (int j = 0; j <= i; j++)
                        for (int d = 0; d < 128; d++) o[d] += w[j] / sum * at(cu[s] + j, vc + d);
                }
            }
        return ref;
    }
};

static double relative_error(const std::vector<bf16>& out, const std::vector<double>& ref, int* nans)
{
    double num = 0, den = 0; *nans = 0;
    for (size_t i = 0; i < ref.size(); i++)
    {
        const double x = h_bf16_to_float(out[i]);
        if (std::isnan(x)) { (*nans)++; continue; }
        num += (x - ref[i]) * (x - ref[i]);
        den += ref[i] * ref[i];
    }
    return sqrt(num / den);
}

static double relative_difference(const std::vector<bf16>& a, const std::vector<bf16>& b, int* nans)
{
    double num = 0, den = 0; *nans = 0;
    for (size_t i = 0; i < a.size(); i++)
    {
        const double x = h_bf16_to_float(a[i]), y = h_bf16_to_float(b[i]);
        if (std::isnan(x) || std::isnan(y)) { (*nans)++; continue; }
        num += (x - y) * (x - y);
        den += y * y;
    }
    return sqrt(num / den);
}

int main(int argc, char** argv)
{
    cudaDeviceProp props;
    CHECK(cudaGetDeviceProperties(&props, 0));
    printf("device %s, sm_%d%d, %d SMs, shared opt-in %zu bytes\n", props.name, props.major, props.minor, props.multiProcessorCount, props.sharedMemPerBlockOptin);
    auto vs = variants();
    int failures = 0;

    struct Case { std::vector<int> lengths; int heads, kv; };
    std::vector<Case> cases = {
        {{1, 7, 63, 64, 65, 127, 128, 129, 200, 255, 300, 513}, 4, 2},
        {{1000, 1, 17}, 4, 1},
        {{2085}, 2, 2},
        {{129, 64, 1, 383}, 16, 8},
    };
    unsigned seed = 11;
    for (auto& c : cases)
    {
        Batch batch(c.lengths, c.heads, c.kv, seed++);
        const auto ref = batch.reference();
        for (auto& v : vs)
        {
            int nans;
            const auto out = batch.run(v);
            const double err = relative_error(out, ref, &nans);
            const bool ok = nans == 0 && err < 1e-2;
            if (!ok)
            {
                failures++;
                // The first few elements off by more than bf16 rounding, to tell a layout mix-up from a masking slip.
                int shown = 0;
                for (size_t i = 0; i < ref.size() && shown < 6; i++)
                {
                    const double x = h_bf16_to_float(out[i]);
                    if (!(fabs(x - ref[i]) <= 0.02 + 0.02 * fabs(ref[i])))
                    {
                        const size_t token = i / (c.heads * 128), head = i / 128 % c.heads, dim = i % 128;
                        printf("    token %zu head %zu dim %zu: got %.4f, reference %.4f\n", token, head, dim, x, ref[i]);
                        shown++;
                    }
                }
            }
            printf("check %-14s heads %2d/%d, %2zu seqs, max %4d: rel err %.3e, unwritten/NaN %d  %s\n", v.name, c.heads, c.kv,
                   c.lengths.size(), batch.max_len, err, nans, ok ? "ok" : "FAIL");
        }
    }
    {
        Batch batch({16384, 333}, 16, 8, seed++);
        const auto old = batch.run(vs[0]);
        for (size_t i = 2; i < vs.size(); i++)
        {
            int nans;
            const double diff = relative_difference(batch.run(vs[i]), old, &nans);
            const bool ok = nans == 0 && diff < 1e-2;
            if (!ok) failures++;
            printf("check %-14s vs mma.sync q64, 16384+333 tokens 16/8: rel diff %.3e, NaN %d  %s\n", vs[i].name, diff, nans, ok ? "ok" : "FAIL");
        }
    }

    cudaEvent_t begin, end;
    CHECK(cudaEventCreate(&begin));
    CHECK(cudaEventCreate(&end));
    std::vector<int> lengths = {190, 2048, 8192, 16384, 32768};
    if (argc > 1) { lengths.clear(); for (char* p = strtok(argv[1], ","); p; p = strtok(nullptr, ",")) lengths.push_back(atoi(p)); }
    printf("\n%-5s %6s", "shape", "length");
    for (auto& v : vs) printf(" | %14s", v.name);
    printf("   (TFLOP/s, median of 20)\n");
    for (auto shape : {std::make_pair(16, 8), std::make_pair(32, 8)})
        for (int length : lengths)
        {
            // 190: the short-document mix of NOTES.md (lengths ~N(190) clipped 16..512, 16,384 tokens); else uniform.
            std::vector<int> ls;
            if (length == 190)
            {
                std::mt19937 rng(5);
                std::lognormal_distribution<double> ln(5.0, 0.6);
                int total = 0;
                while (total < 16384) { int l = std::min(std::max((int)ln(rng), 16), 512); l = std::min(l, 16384 - total); ls.push_back(l); total += l; }
            }
            else ls.assign(std::max(1, 65536 / length), length);
            Batch batch(ls, shape.first, shape.second, seed++);
            double flops = 0;
            for (int l : ls) flops += 2.0 * l * (l + 1.0) * 128 * shape.first;
            printf("%-5s %6d", shape.first == 16 ? "0.6b" : "4b", length);
            for (auto& v : vs)
            {
                for (int i = 0; i < 3; i++) batch.launch(v);
                CHECK(cudaGetLastError());
                std::vector<float> times;
                for (int i = 0; i < 20; i++)
                {
                    CHECK(cudaEventRecord(begin));
                    batch.launch(v);
                    CHECK(cudaEventRecord(end));
                    CHECK(cudaEventSynchronize(end));
                    float ms;
                    CHECK(cudaEventElapsedTime(&ms, begin, end));
                    times.push_back(ms);
                }
                CHECK(cudaGetLastError());
                std::sort(times.begin(), times.end());
                const float ms = times[times.size() / 2];
                printf(" | %7.1f %6.3f", flops / ms / 1e9, ms);
                fflush(stdout);
            }
            printf("\n");
        }
    printf("\n%s: %d check failures\n", failures ? "FAILED" : "PASSED", failures);
    return failures ? 1 : 0;
}
