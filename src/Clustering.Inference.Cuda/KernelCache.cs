using System.Security.Cryptography;
using System.Text;
using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda;

/// <summary>
/// Compiled kernels on disk, so NVRTC runs once per machine and not at every start. The key is a SHA-256 over
/// everything that changes the machine code: the source and its headers, the options, the architecture and the
/// NVRTC version. Folder: CLUSTERING_KERNEL_CACHE, else ~/.cache/clustering/kernels. A cache that cannot be
/// written (read-only home) only costs a compile; a corrupt entry is caught by the driver at load and recompiled.
/// </summary>
public sealed class KernelCache
{
    public string Folder { get; }

    public KernelCache(string? folder = null)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("CLUSTERING_KERNEL_CACHE");
        Folder = folder
                 ?? (string.IsNullOrEmpty(fromEnvironment)
                     ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "clustering", "kernels")
                     : fromEnvironment);
    }

    /// <summary>Counts for tests and logs: how many kernels came from disk and how many were compiled.</summary>
    public int Hits { get; private set; }
    public int Compiles { get; private set; }

    public byte[] GetOrCompile(string name, string source, IReadOnlyDictionary<string, string> headers,
        IReadOnlyList<string> options, string architecture)
    {
        var key = Key(source, headers, options, architecture, NvrtcCompiler.Version());
        var path = Path.Combine(Folder, $"{Path.GetFileNameWithoutExtension(name)}-{architecture}-{key}.cubin");
        if (File.Exists(path))
        {
            try
            {
                var cached = File.ReadAllBytes(path);
                if (cached.Length > 0) { Hits++; return cached; }
            }
            catch (IOException) { }
        }
        var cubin = NvrtcCompiler.Compile(name, source, headers, options);
        Compiles++;
        TryStore(path, cubin);
        return cubin;
    }

    public void Forget(string name, string architecture)
    {
        if (!Directory.Exists(Folder)) return;
        foreach (var file in Directory.GetFiles(Folder, $"{Path.GetFileNameWithoutExtension(name)}-{architecture}-*.cubin"))
            File.Delete(file);
    }

    internal static string Key(string source, IReadOnlyDictionary<string, string> headers, IReadOnlyList<string> options,
        string architecture, string nvrtcVersion)
    {
        var text = new StringBuilder();
        text.Append(source).Append('\0');
        foreach (var (name, header) in headers.OrderBy(h => h.Key, StringComparer.Ordinal))
            text.Append(name).Append('\0').Append(header).Append('\0');
        foreach (var option in options) text.Append(option).Append('\0');
        text.Append(architecture).Append('\0').Append(nvrtcVersion);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32];
    }

    private void TryStore(string path, byte[] cubin)
    {
        try
        {
            Directory.CreateDirectory(Folder);
            var temporary = path + "." + Environment.ProcessId + ".tmp";
            File.WriteAllBytes(temporary, cubin);
            File.Move(temporary, path, overwrite: true);   // atomic: a reader never sees half a file
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
