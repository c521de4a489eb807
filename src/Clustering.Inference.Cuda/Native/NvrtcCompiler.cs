using System.Runtime.InteropServices;
using System.Text;

namespace Clustering.Inference.Cuda.Native;

/// <summary>NVRTC: CUDA C++ source (plus named headers) → CUBIN for one architecture. Needs no GPU and no driver.</summary>
public static unsafe class NvrtcCompiler
{
    /// <summary>"13.0": part of the kernel cache key, since a new compiler may make different code.</summary>
    public static string Version()
    {
        Check.Nvrtc(NvrtcNative.nvrtcVersion(out var major, out var minor));
        return $"{major}.{minor}";
    }

    /// <summary>True when libnvrtc loads here; <paramref name="failure"/> lists where it looked otherwise.</summary>
    public static bool IsAvailable(out string? failure) => CudaLibraries.TryLoad(CudaLibraries.Nvrtc, out failure);

    /// <summary>
    /// Compiles <paramref name="source"/> and returns the CUBIN. A compile error throws <see cref="CudaException"/>
    /// whose message carries NVRTC's log (file name, line, message), so a broken kernel names itself.
    /// </summary>
    public static byte[] Compile(string name, string source, IReadOnlyDictionary<string, string> headers, IReadOnlyList<string> options)
    {
        // NVRTC's front end recurses deeply on templates and overflows the 1.5 MB stacks of .NET's worker threads
        // (seen: a stack overflow compiling attention.cu), so it always runs on a thread of its own with a large stack.
        byte[]? cubin = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { cubin = CompileOnThisThread(name, source, headers, options); }
            catch (Exception e) { failure = e; }
        }, CompilerStackBytes) { IsBackground = true, Name = "nvrtc " + name };
        thread.Start();
        thread.Join();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        return cubin!;
    }

    private const int CompilerStackBytes = 256 << 20;

    private static byte[] CompileOnThisThread(string name, string source, IReadOnlyDictionary<string, string> headers, IReadOnlyList<string> options)
    {
        using var strings = new Utf8Strings();
        var headerSources = stackalloc byte*[Math.Max(1, headers.Count)];
        var headerNames = stackalloc byte*[Math.Max(1, headers.Count)];
        var index = 0;
        foreach (var (headerName, headerSource) in headers)
        {
            headerNames[index] = strings.Add(headerName);
            headerSources[index] = strings.Add(headerSource);
            index++;
        }
        var optionPointers = stackalloc byte*[Math.Max(1, options.Count)];
        for (var i = 0; i < options.Count; i++) optionPointers[i] = strings.Add(options[i]);

        Check.Nvrtc(NvrtcNative.nvrtcCreateProgram(out var program, strings.Add(source), strings.Add(name),
            headers.Count, headerSources, headerNames));
        try
        {
            var compiled = NvrtcNative.nvrtcCompileProgram(program, options.Count, optionPointers);
            var log = Log(program);
            Check.Nvrtc(compiled, $"nvrtcCompileProgram({name}, {string.Join(' ', options)})" +
                (log.Length == 0 ? "" : Environment.NewLine + log));
            Check.Nvrtc(NvrtcNative.nvrtcGetCUBINSize(program, out var size));
            var cubin = new byte[(int)size];
            fixed (byte* pointer = cubin) Check.Nvrtc(NvrtcNative.nvrtcGetCUBIN(program, pointer));
            return cubin;
        }
        finally
        {
            NvrtcNative.nvrtcDestroyProgram(ref program);
        }
    }

    private static string Log(IntPtr program)
    {
        if (NvrtcNative.nvrtcGetProgramLogSize(program, out var size) != NvrtcResult.Success || size <= 1) return "";
        var buffer = new byte[(int)size];
        fixed (byte* pointer = buffer)
            if (NvrtcNative.nvrtcGetProgramLog(program, pointer) != NvrtcResult.Success) return "";
        return Encoding.UTF8.GetString(buffer, 0, buffer.Length - 1).Trim();
    }

    /// <summary>NUL-terminated UTF-8 copies that live until disposed.</summary>
    private sealed class Utf8Strings : IDisposable
    {
        private readonly List<IntPtr> _allocations = [];

        public byte* Add(string text)
        {
            var pointer = Marshal.StringToCoTaskMemUTF8(text);
            _allocations.Add(pointer);
            return (byte*)pointer;
        }

        public void Dispose()
        {
            foreach (var pointer in _allocations) Marshal.FreeCoTaskMem(pointer);
        }
    }
}
