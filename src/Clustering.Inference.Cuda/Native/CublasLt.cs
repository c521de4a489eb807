namespace Clustering.Inference.Cuda.Native;

/// <summary>Element type of a GEMM output (and of the C matrix it accumulates into).</summary>
public enum GemmOutput
{
    BFloat16,
    Float32,
}

/// <summary>
/// y = x · Wᵀ on tensor cores through cuBLASLt: x (rows, in) bf16 row-major, W (out, in) bf16 row-major
/// (a PyTorch Linear weight as stored), y (rows, out) bf16 or fp32, fp32 accumulation, and y += x · Wᵀ when
/// accumulating (the residual add, fused into the GEMM's epilogue as beta = 1).
/// Row-major y = x·Wᵀ is column-major yᵀ = W·xᵀ, i.e. cuBLAS "TN" with A = W (k × m, transposed), B = xᵀ:
/// no copy or transpose of anything. The algorithm chosen by the heuristic is cached per shape.
/// </summary>
public sealed unsafe class CublasLt : IDisposable
{
    private const long WorkspaceBytes = 32L << 20; // what NVIDIA recommends for Hopper
    private const int MaxPlans = 4096;

    private readonly IntPtr _handle;
    private readonly IntPtr _operation;
    private readonly IntPtr _preference;
    private readonly DeviceMemory _workspace;
    private readonly Dictionary<PlanKey, Plan> _plans = new();

    public CublasLt(CudaContext context)
    {
        Check.Cublas(CublasLtNative.cublasLtCreate(out _handle));
        Check.Cublas(CublasLtNative.cublasLtMatmulDescCreate(out _operation, CublasLtNative.ComputeType32F, CudaDataType.Float32));
        var transposeA = CublasLtNative.OperationT;
        var transposeB = CublasLtNative.OperationN;
        Check.Cublas(CublasLtNative.cublasLtMatmulDescSetAttribute(_operation, CublasLtNative.MatmulDescTransA, &transposeA, sizeof(int)));
        Check.Cublas(CublasLtNative.cublasLtMatmulDescSetAttribute(_operation, CublasLtNative.MatmulDescTransB, &transposeB, sizeof(int)));
        Check.Cublas(CublasLtNative.cublasLtMatmulPreferenceCreate(out _preference));
        var workspace = (ulong)WorkspaceBytes;
        Check.Cublas(CublasLtNative.cublasLtMatmulPreferenceSetAttribute(_preference, CublasLtNative.PreferenceMaxWorkspaceBytes, &workspace, sizeof(ulong)));
        _workspace = context.Allocate(WorkspaceBytes);
    }

    /// <summary>cuBLASLt's version number (e.g. 130100).</summary>
    public static long Version() => (long)CublasLtNative.cublasLtGetVersion();

    /// <summary>
    /// y (rows, out) [+]= x (rows, in) · W (out, in)ᵀ. Strides are in elements between consecutive rows
    /// (x's ≥ in, y's ≥ out), so y may be a column slice of a wider buffer.
    /// </summary>
    public void MatMul(CudaStream stream, DevicePtr x, int xStride, DevicePtr weight, DevicePtr y, int yStride,
        GemmOutput output, int rows, int inFeatures, int outFeatures, bool accumulate)
    {
        if (rows == 0) return;
        ArgumentOutOfRangeException.ThrowIfLessThan(xStride, inFeatures);
        ArgumentOutOfRangeException.ThrowIfLessThan(yStride, outFeatures);
        var plan = PlanFor(new PlanKey(rows, inFeatures, outFeatures, xStride, yStride, output));
        var alpha = 1f;
        var beta = accumulate ? 1f : 0f;
        var algo = plan.Heuristic;
        Check.Cublas(CublasLtNative.cublasLtMatmul(_handle, _operation,
            &alpha, weight.Address, plan.A, x.Address, plan.B,
            &beta, y.Address, plan.C, y.Address, plan.C,
            algo.Algo, _workspace.Pointer.Address, (nuint)WorkspaceBytes, stream.Handle),
            $"cublasLtMatmul(rows {rows}, in {inFeatures}, out {outFeatures}, {output})");
    }

    private Plan PlanFor(PlanKey key)
    {
        if (_plans.TryGetValue(key, out var plan)) return plan;
        if (_plans.Count >= MaxPlans) ClearPlans();
        var outType = key.Output == GemmOutput.Float32 ? CudaDataType.Float32 : CudaDataType.BFloat16;
        // Column-major view: A = W stored (in, out) with ld = in, transposed → (out × in);
        // B = xᵀ (in × rows), ld = xStride; C = D = yᵀ (out × rows), ld = yStride.
        Check.Cublas(CublasLtNative.cublasLtMatrixLayoutCreate(out var a, CudaDataType.BFloat16, (ulong)key.In, (ulong)key.Out, key.In));
        Check.Cublas(CublasLtNative.cublasLtMatrixLayoutCreate(out var b, CudaDataType.BFloat16, (ulong)key.In, (ulong)key.Rows, key.XStride));
        Check.Cublas(CublasLtNative.cublasLtMatrixLayoutCreate(out var c, outType, (ulong)key.Out, (ulong)key.Rows, key.YStride));
        CublasLtNative.HeuristicResult result;
        Check.Cublas(CublasLtNative.cublasLtMatmulAlgoGetHeuristic(_handle, _operation, a, b, c, c, _preference, 1, &result, out var found),
            $"cublasLtMatmulAlgoGetHeuristic(rows {key.Rows}, in {key.In}, out {key.Out}, {key.Output})");
        if (found == 0)
            throw new CudaException($"cublasLtMatmulAlgoGetHeuristic(rows {key.Rows}, in {key.In}, out {key.Out}, {key.Output})",
                "no algorithm", 0, nameof(CublasLt), 0);
        plan = new Plan(a, b, c, result);
        _plans[key] = plan;
        return plan;
    }

    private void ClearPlans()
    {
        foreach (var plan in _plans.Values)
        {
            CublasLtNative.cublasLtMatrixLayoutDestroy(plan.A);
            CublasLtNative.cublasLtMatrixLayoutDestroy(plan.B);
            CublasLtNative.cublasLtMatrixLayoutDestroy(plan.C);
        }
        _plans.Clear();
    }

    public void Dispose()
    {
        ClearPlans();
        CublasLtNative.cublasLtMatmulPreferenceDestroy(_preference);
        CublasLtNative.cublasLtMatmulDescDestroy(_operation);
        CublasLtNative.cublasLtDestroy(_handle);
        _workspace.Dispose();
    }

    private readonly record struct PlanKey(int Rows, int In, int Out, int XStride, int YStride, GemmOutput Output);

    private sealed class Plan(IntPtr a, IntPtr b, IntPtr c, CublasLtNative.HeuristicResult heuristic)
    {
        public IntPtr A { get; } = a;
        public IntPtr B { get; } = b;
        public IntPtr C { get; } = c;
        private CublasLtNative.HeuristicResult _heuristic = heuristic;
        public ref CublasLtNative.HeuristicResult Heuristic => ref _heuristic;
    }
}
