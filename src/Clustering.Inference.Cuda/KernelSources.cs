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

    public static IReadOnlyList<string> All { get; } = [Embedding, RmsNorm, HeadNormRope, SiluMul, Attention, Pool];

    /// <summary>Headers a kernel may #include, by the name it uses.</summary>
    public static IReadOnlyDictionary<string, string> Headers { get; } = new Dictionary<string, string>
    {
        ["common.cuh"] = Read("common.cuh"),
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
