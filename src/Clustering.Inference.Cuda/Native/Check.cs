using System.Runtime.CompilerServices;

namespace Clustering.Inference.Cuda.Native;

/// <summary>
/// The one place native statuses become exceptions. Each overload names the failing call (the expression as
/// written), its status name (cuGetErrorName for the driver, the enum name for NVRTC and cuBLAS), and the file and line.
/// </summary>
internal static class Check
{
    public static void Driver(CuResult result,
        [CallerArgumentExpression(nameof(result))] string call = "",
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (result != CuResult.Success) throw new CudaException(Trim(call), CudaDriver.ErrorName(result), (int)result, file, line);
    }

    public static void Nvrtc(NvrtcResult result,
        [CallerArgumentExpression(nameof(result))] string call = "",
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (result != NvrtcResult.Success) throw new CudaException(Trim(call), NvrtcNative.ErrorName(result), (int)result, file, line);
    }

    public static void Cublas(CublasStatus status,
        [CallerArgumentExpression(nameof(status))] string call = "",
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (status != CublasStatus.Success) throw new CudaException(Trim(call), CublasLtNative.StatusName(status), (int)status, file, line);
    }

    // "CudaDriver.cuMemAlloc(out p, bytes)" → "cuMemAlloc(out p, bytes)": the native name first.
    private static string Trim(string call)
    {
        var dot = call.IndexOf('.');
        var paren = call.IndexOf('(');
        return dot >= 0 && (paren < 0 || dot < paren) ? call[(dot + 1)..] : call;
    }
}
