namespace Clustering.Inference.Cuda.Native;

/// <summary>A failed CUDA driver, NVRTC or cuBLASLt call: which call, its status (name and number), and where we made it.</summary>
public sealed class CudaException : Exception
{
    public string Call { get; }
    public string Status { get; }
    public int Code { get; }

    public CudaException(string call, string status, int code, string file, int line, string? detail = null)
        : base($"{call} failed: {status} ({code}) at {Path.GetFileName(file)}:{line}" + (detail is null ? "" : Environment.NewLine + detail))
    {
        Call = call;
        Status = status;
        Code = code;
    }

    /// <summary>True for the out-of-memory statuses, which a caller may answer by splitting the batch and retrying.</summary>
    public bool IsOutOfMemory => Status is "CUDA_ERROR_OUT_OF_MEMORY" or "CUBLAS_STATUS_ALLOC_FAILED";
}
