using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda.Tests;

/// <summary>Every embedded kernel compiles with NVRTC: needs only libnvrtc (no GPU), so a broken kernel fails early.</summary>
public class KernelCompileTests
{
    [NvrtcFact]
    public void Every_kernel_compiles()
    {
        // Hopper machine code where NVRTC is 12 or newer. NVRTC 11.8 (the newest a Debian machine without a GPU gets)
        // crashes in its sm_90 back end on any float → bf16 conversion, so there we check the sm_80 build instead.
        var architecture = NvrtcCompiler.Version().StartsWith("11.", StringComparison.Ordinal) ? "sm_80" : "sm_90";
        foreach (var file in KernelSources.All)
        {
            var cubin = NvrtcCompiler.Compile(file, KernelSources.Source(file), KernelSources.Headers, KernelSources.Options(architecture));
            Assert.True(cubin.Length > 1000, $"{file}: {cubin.Length} bytes");
            Assert.Equal(0x7f, cubin[0]); // an ELF image
        }
    }

    [Fact]
    public void Every_include_of_a_kernel_names_a_header_NVRTC_is_given()
    {
        // NVRTC sees only KernelSources.Headers: an #include of anything else fails at compile time on the GPU machine,
        // so check here, where there is no NVRTC, that each one is there (headers including headers too).
        var files = KernelSources.All.Concat(KernelSources.Hopper)
            .Select(f => (f, KernelSources.Source(f))).Concat(KernelSources.Headers.Select(h => (h.Key, h.Value)));
        foreach (var (file, source) in files)
            foreach (System.Text.RegularExpressions.Match include in System.Text.RegularExpressions.Regex.Matches(source, "^#include \"([^\"]+)\"", System.Text.RegularExpressions.RegexOptions.Multiline))
                Assert.True(KernelSources.Headers.ContainsKey(include.Groups[1].Value), $"{file} includes {include.Groups[1].Value}, which is not in KernelSources.Headers");
    }

    [NvrtcFact]
    public void A_compile_error_names_the_file_and_line()
    {
        var error = Assert.Throws<CudaException>(() => NvrtcCompiler.Compile("broken.cu",
            "extern \"C\" __global__ void k(int* p) {\n  p[0] = undefined_name;\n}\n",
            new Dictionary<string, string>(), KernelSources.Options("sm_90")));
        Assert.Equal((int)NvrtcResult.Compilation, error.Code);
        Assert.Contains("broken.cu(2)", error.Message);
        Assert.Contains("undefined_name", error.Message);
    }

    [Fact]
    public void The_cache_key_changes_with_source_options_architecture_and_compiler()
    {
        var headers = new Dictionary<string, string> { ["common.cuh"] = "x" };
        var key = KernelCache.Key("source", headers, ["-a"], "sm_90", "13.0");
        Assert.Equal(key, KernelCache.Key("source", headers, ["-a"], "sm_90", "13.0"));
        Assert.NotEqual(key, KernelCache.Key("source2", headers, ["-a"], "sm_90", "13.0"));
        Assert.NotEqual(key, KernelCache.Key("source", new Dictionary<string, string> { ["common.cuh"] = "y" }, ["-a"], "sm_90", "13.0"));
        Assert.NotEqual(key, KernelCache.Key("source", headers, ["-b"], "sm_90", "13.0"));
        Assert.NotEqual(key, KernelCache.Key("source", headers, ["-a"], "sm_89", "13.0"));
        Assert.NotEqual(key, KernelCache.Key("source", headers, ["-a"], "sm_90", "13.1"));
    }

    [Fact]
    public void Every_kernel_file_is_embedded_with_a_header_comment()
    {
        foreach (var file in KernelSources.All)
        {
            var source = KernelSources.Source(file);
            Assert.StartsWith("// " + file + " — ", source);
            Assert.Contains("Launch:", source);
            Assert.Contains("Why:", source);
        }
    }
}
