using System.Reflection;

namespace Clustering.Inference.Cuda;

/// <summary>The .cu/.cuh files embedded in this assembly (Kernels/), and the NVRTC options every kernel is built with.</summary>
public static class KernelSources
{
    public const string Embedding = "embedding.cu";
    public const string RmsNorm = "rmsnorm.cu";
    public const string HeadNormRope = "head_norm_rope.cu";
    public const string SiluMul = "silu_mul.cu";
    public const string Attention = "attention.cu";
    public const string Pool = "pool.cu";
    public const string AttentionSm90 = "attention_sm90.cu";
    public const string AttentionSm90Ws = "attention_sm90_ws.cu";

    /// <summary>Kernels for every GPU.</summary>
    public static IReadOnlyList<string> All { get; } = [Embedding, RmsNorm, HeadNormRope, SiluMul, Attention, Pool];

    /// <summary>
    /// Kernels only for Hopper (sm_90), built for its sm_90a target: wgmma exists nowhere else. attention_sm90_ws.cu
    /// holds the default attention kernel there (tma3-k64), so it loads up front with the rest: a toolkit that cannot
    /// build it fails at load, not mid-job.
    /// </summary>
    public static IReadOnlyList<string> Hopper { get; } = [AttentionSm90, AttentionSm90Ws];

    /// <summary>The kernel files a device of this architecture (sm_XY) loads up front.</summary>
    public static IEnumerable<string> For(string architecture) => architecture == "sm_90" ? All.Concat(Hopper) : All;

    /// <summary>
    /// The NVRTC target of a file on a device: the device's own (sm_XY), except the Hopper files, which need the
    /// architecture-specific sm_90a (wgmma, setmaxnreg); a sm_90a cubin loads only on sm_90 devices.
    /// </summary>
    public static string Architecture(string file, string deviceArchitecture) =>
        Hopper.Contains(file) && deviceArchitecture == "sm_90" ? "sm_90a" : deviceArchitecture;

    /// <summary>Headers a kernel may #include, by the name it uses.</summary>
    public static IReadOnlyDictionary<string, string> Headers { get; } = new Dictionary<string, string>
    {
        ["common.cuh"] = Read("common.cuh"),
        ["async_copy.cuh"] = Read("async_copy.cuh"),
        ["attention_softmax.cuh"] = Read("attention_softmax.cuh"),
        ["wgmma.cuh"] = Read("wgmma.cuh"),
        ["attention_sm90.cuh"] = Read("attention_sm90.cuh"),
        ["tma.cuh"] = Read("tma.cuh"),
    };

    public static string Source(string file) => Read(file);

    /// <summary>
    /// sm_XY machine code for this device (no PTX JIT at load), device functions by default, C++17, line info
    /// for profilers. No fast-math: sincosf and expf stay precise.
    /// </summary>
    public static IReadOnlyList<string> Options(string architecture) =>
        [$"--gpu-architecture={architecture}", "-default-device", "--std=c++17", "-lineinfo"];

    private static string Read(string file)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Kernels/" + file)
                           ?? throw new FileNotFoundException($"kernel source Kernels/{file} is not embedded in {typeof(KernelSources).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
