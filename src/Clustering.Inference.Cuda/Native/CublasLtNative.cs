using System.Runtime.InteropServices;

namespace Clustering.Inference.Cuda.Native;

public enum CublasStatus
{
    Success = 0,
    NotInitialized = 1,
    AllocFailed = 3,
    InvalidValue = 7,
    ArchMismatch = 8,
    MappingError = 11,
    ExecutionFailed = 13,
    InternalError = 14,
    NotSupported = 15,
    LicenseError = 16,
}

/// <summary>cudaDataType_t values we use.</summary>
internal enum CudaDataType
{
    Float32 = 0,   // CUDA_R_32F
    Float16 = 2,   // CUDA_R_16F
    BFloat16 = 14, // CUDA_R_16BF
}

/// <summary>
/// cuBLASLt (libcublasLt.so.13): matrix multiply with algorithm heuristics and an explicit workspace.
/// Descriptors are opaque pointers; the heuristic result is a 96-byte struct (algo 64 bytes, then workspace size,
/// state, waves, reserved) that we pass back as-is.
/// </summary>
internal static unsafe partial class CublasLtNative
{
    static CublasLtNative() => CudaLibraries.EnsureRegistered();

    private const string Lib = CudaLibraries.CublasLt;

    public const int ComputeType32F = 68;          // CUBLAS_COMPUTE_32F
    public const int MatmulDescTransA = 3;         // CUBLASLT_MATMUL_DESC_TRANSA
    public const int MatmulDescTransB = 4;         // CUBLASLT_MATMUL_DESC_TRANSB
    public const int PreferenceMaxWorkspaceBytes = 1; // CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES
    public const int OperationN = 0;
    public const int OperationT = 1;

    [StructLayout(LayoutKind.Sequential, Size = 96)]
    public struct HeuristicResult
    {
        public fixed ulong Algo[8];
        public nuint WorkspaceSize;
        public CublasStatus State;
        public float WavesCount;
        public fixed int Reserved[4];
    }

    [LibraryImport(Lib)] public static partial nuint cublasLtGetVersion();
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtCreate(out IntPtr handle);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtDestroy(IntPtr handle);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtMatmulDescCreate(out IntPtr desc, int computeType, CudaDataType scaleType);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtMatmulDescDestroy(IntPtr desc);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtMatmulDescSetAttribute(IntPtr desc, int attribute, void* value, nuint size);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtMatrixLayoutCreate(out IntPtr layout, CudaDataType type, ulong rows, ulong columns, long leadingDimension);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtMatrixLayoutDestroy(IntPtr layout);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtMatmulPreferenceCreate(out IntPtr preference);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtMatmulPreferenceDestroy(IntPtr preference);
    [LibraryImport(Lib)] public static partial CublasStatus cublasLtMatmulPreferenceSetAttribute(IntPtr preference, int attribute, void* value, nuint size);
    [LibraryImport(Lib)]
    public static partial CublasStatus cublasLtMatmulAlgoGetHeuristic(IntPtr handle, IntPtr operation,
        IntPtr a, IntPtr b, IntPtr c, IntPtr d, IntPtr preference, int requested, HeuristicResult* results, out int returned);
    [LibraryImport(Lib)]
    public static partial CublasStatus cublasLtMatmul(IntPtr handle, IntPtr operation,
        void* alpha, ulong a, IntPtr aLayout, ulong b, IntPtr bLayout,
        void* beta, ulong c, IntPtr cLayout, ulong d, IntPtr dLayout,
        void* algo, ulong workspace, nuint workspaceBytes, IntPtr stream);

    public static string StatusName(CublasStatus status) => status switch
    {
        CublasStatus.Success => "CUBLAS_STATUS_SUCCESS",
        CublasStatus.NotInitialized => "CUBLAS_STATUS_NOT_INITIALIZED",
        CublasStatus.AllocFailed => "CUBLAS_STATUS_ALLOC_FAILED",
        CublasStatus.InvalidValue => "CUBLAS_STATUS_INVALID_VALUE",
        CublasStatus.ArchMismatch => "CUBLAS_STATUS_ARCH_MISMATCH",
        CublasStatus.MappingError => "CUBLAS_STATUS_MAPPING_ERROR",
        CublasStatus.ExecutionFailed => "CUBLAS_STATUS_EXECUTION_FAILED",
        CublasStatus.InternalError => "CUBLAS_STATUS_INTERNAL_ERROR",
        CublasStatus.NotSupported => "CUBLAS_STATUS_NOT_SUPPORTED",
        CublasStatus.LicenseError => "CUBLAS_STATUS_LICENSE_ERROR",
        _ => "cublasStatus_t " + (int)status,
    };
}
