using System.Runtime.InteropServices;

namespace Clustering.Inference.Cuda.Native;

public enum NvrtcResult
{
    Success = 0,
    OutOfMemory = 1,
    ProgramCreationFailure = 2,
    InvalidInput = 3,
    InvalidProgram = 4,
    InvalidOption = 5,
    Compilation = 6,
}

/// <summary>NVRTC (libnvrtc.so.13): compiles CUDA C++ source to a CUBIN for one GPU architecture at run time.</summary>
internal static unsafe partial class NvrtcNative
{
    static NvrtcNative() => CudaLibraries.EnsureRegistered();

    private const string Lib = CudaLibraries.Nvrtc;

    [LibraryImport(Lib)] public static partial NvrtcResult nvrtcVersion(out int major, out int minor);
    [LibraryImport(Lib)] public static partial byte* nvrtcGetErrorString(NvrtcResult result);
    [LibraryImport(Lib)]
    public static partial NvrtcResult nvrtcCreateProgram(out IntPtr program, byte* source, byte* name,
        int headerCount, byte** headers, byte** includeNames);
    [LibraryImport(Lib)] public static partial NvrtcResult nvrtcDestroyProgram(ref IntPtr program);
    [LibraryImport(Lib)] public static partial NvrtcResult nvrtcCompileProgram(IntPtr program, int optionCount, byte** options);
    [LibraryImport(Lib)] public static partial NvrtcResult nvrtcGetProgramLogSize(IntPtr program, out nuint size);
    [LibraryImport(Lib)] public static partial NvrtcResult nvrtcGetProgramLog(IntPtr program, byte* log);
    [LibraryImport(Lib)] public static partial NvrtcResult nvrtcGetCUBINSize(IntPtr program, out nuint size);
    [LibraryImport(Lib)] public static partial NvrtcResult nvrtcGetCUBIN(IntPtr program, byte* cubin);

    public static string ErrorName(NvrtcResult result)
    {
        try
        {
            var text = nvrtcGetErrorString(result);
            if (text != null) return Marshal.PtrToStringUTF8((IntPtr)text) ?? result.ToString();
        }
        catch (DllNotFoundException) { }
        return "nvrtcResult " + (int)result;
    }
}
