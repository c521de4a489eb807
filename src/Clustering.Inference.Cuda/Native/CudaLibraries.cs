using System.Reflection;
using System.Runtime.InteropServices;

namespace Clustering.Inference.Cuda.Native;

/// <summary>
/// Finds the CUDA libraries at run time. [LibraryImport] names a logical library ("cuda", "nvrtc", "cublasLt");
/// this resolver maps it to the versioned file names we accept and looks in CUDA_PATH, LD_LIBRARY_PATH,
/// /usr/local/cuda and the loader cache, in that order. When nothing loads, the exception lists every place tried,
/// so a user can tell a missing toolkit from a wrong path.
/// </summary>
internal static class CudaLibraries
{
    public const string Driver = "cuda";
    public const string Nvrtc = "nvrtc";
    public const string CublasLt = "cublasLt";

    // Newest first: NVRTC's C API is stable across these, so an older toolkit still compiles our kernels
    // (a machine without a GPU can check that they compile).
    private static readonly Dictionary<string, string[]> FileNames = new()
    {
        [Driver] = ["libcuda.so.1", "libcuda.so"],
        [Nvrtc] = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"],
        [CublasLt] = ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"],
    };

    private static readonly Lock Gate = new(); // guards Resolved and the one-time registration
    private static readonly Dictionary<string, IntPtr> Resolved = new();
    private static bool _registered;

    /// <summary>Installs the resolver for this assembly once; the native classes call it from their static constructors.</summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered) return;
            NativeLibrary.SetDllImportResolver(typeof(CudaLibraries).Assembly, Resolve);
            _registered = true;
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!FileNames.ContainsKey(libraryName)) return IntPtr.Zero;
        return Load(libraryName);
    }

    /// <summary>Loads the library or throws <see cref="DllNotFoundException"/> listing every place it looked.</summary>
    public static IntPtr Load(string logicalName)
    {
        lock (Gate)
        {
            if (Resolved.TryGetValue(logicalName, out var known)) return known;
            var tried = new List<string>();
            foreach (var directory in SearchDirectories())
            {
                foreach (var file in FileNames[logicalName])
                {
                    var path = Path.Combine(directory, file);
                    if (!File.Exists(path)) { tried.Add(path + " (absent)"); continue; }
                    if (NativeLibrary.TryLoad(path, out var handle)) return Resolved[logicalName] = handle;
                    tried.Add(path + " (present, failed to load)");
                }
            }
            // Last, the dynamic loader itself (ld.so.cache, RPATH, the default directories).
            foreach (var file in FileNames[logicalName])
            {
                if (NativeLibrary.TryLoad(file, out var handle)) return Resolved[logicalName] = handle;
                tried.Add(file + " (loader cache and default paths)");
            }
            throw new DllNotFoundException(
                $"CUDA library '{logicalName}' not found; looked in:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", tried));
        }
    }

    /// <summary>True when the library can be loaded (no exception): used to skip GPU work cleanly.</summary>
    public static bool TryLoad(string logicalName, out string? failure)
    {
        try { Load(logicalName); failure = null; return true; }
        catch (DllNotFoundException e) { failure = e.Message; return false; }
    }

    internal static IEnumerable<string> SearchDirectories()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var cudaPath = Environment.GetEnvironmentVariable("CUDA_PATH");
        if (!string.IsNullOrEmpty(cudaPath))
        {
            foreach (var sub in new[] { "lib64", "lib", "targets/x86_64-linux/lib" })
                if (seen.Add(Path.Combine(cudaPath, sub))) yield return Path.Combine(cudaPath, sub);
        }
        var ldPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
        if (!string.IsNullOrEmpty(ldPath))
        {
            foreach (var part in ldPath.Split(':', StringSplitOptions.RemoveEmptyEntries))
                if (seen.Add(part)) yield return part;
        }
        foreach (var fixedPath in new[]
                 {
                     "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib",
                     "/usr/lib/x86_64-linux-gnu", "/usr/local/nvidia/lib64",
                 })
            if (seen.Add(fixedPath)) yield return fixedPath;
    }
}
