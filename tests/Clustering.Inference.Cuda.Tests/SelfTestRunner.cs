using System.Diagnostics;
using System.Reflection;
using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda.Tests;

/// <summary>
/// Runs this assembly's tests without `dotnet test` (the GPU machine has no SDK): every public method marked
/// [Fact], [GpuFact] or [NvrtcFact] whose Skip is unset, on a fresh instance of its class (disposed after).
/// The checks stay in one place — the xunit tests — and this is only their runner. Exit code: failures.
/// Usage: Clustering.Inference.Cuda.Tests [--filter text] [--list] [--bench]
///    or: Clustering.Inference.Cuda.Tests --engine MODEL_DIR --corpus IDS.jsonl [--batch-tokens 16384,65536] [--label name]
/// (the second form only times the model over a corpus of token ids, for tests/gpu/bench.sh; no tests run).
/// </summary>
public static class SelfTestRunner
{
    public static int Main(string[] args)
    {
        var engine = Array.IndexOf(args, "--engine");
        if (engine >= 0) return CorpusBenchmark.Run(args);
        var attention = Array.IndexOf(args, "--attention"); // --attention 2048,8192,32768: the attention kernel alone at those lengths (tests/gpu/longdocs.sh)
        if (attention >= 0 && attention + 1 < args.Length)
        {
            if (CudaDevices.Discover().Count == 0)
            {
                Console.Error.WriteLine($"--attention needs a CUDA device: {CudaDevices.UnavailableReason}");
                return 2;
            }
            GpuBenchmarks.RunAttention(args[attention + 1].Split(',').Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToArray());
            return 0;
        }
        var kernelsOnly = args.Contains("--kernels"); // the kernel timings of --bench, without the model
        string? filter = null;
        var list = false;
        var bench = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--filter" && i + 1 < args.Length) filter = args[++i];
            else if (args[i] == "--list") list = true;
            else if (args[i] is "--bench" or "--kernels") bench = true;
        }

        Console.WriteLine($"devices: {(CudaDevices.Discover().Count == 0 ? "none (" + CudaDevices.UnavailableReason + ")" : string.Join("; ", CudaDevices.Discover()))}");
        if (CudaDevices.Discover().Count > 0) Console.WriteLine($"driver {CudaDevices.DriverVersion()}");
        if (NvrtcCompiler.IsAvailable(out _)) Console.WriteLine($"nvrtc {NvrtcCompiler.Version()}");

        var tests = typeof(SelfTestRunner).Assembly.GetTypes()
            .Where(t => t.IsPublic && !t.IsAbstract)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance).Select(m => (Type: t, Method: m)))
            .Select(x => (x.Type, x.Method, Fact: x.Method.GetCustomAttribute<FactAttribute>()))
            .Where(x => x.Fact is not null && x.Method.GetCustomAttribute<TheoryAttribute>() is null)
            .Where(x => filter is null || $"{x.Type.Name}.{x.Method.Name}".Contains(filter, StringComparison.OrdinalIgnoreCase))
            .OrderBy(x => x.Type.Name, StringComparer.Ordinal).ThenBy(x => x.Method.Name, StringComparer.Ordinal)
            .ToList();

        int passed = 0, failed = 0, skipped = 0;
        foreach (var (type, method, fact) in tests)
        {
            var name = $"{type.Name}.{method.Name}";
            if (list) { Console.WriteLine(name); continue; }
            if (fact!.Skip is not null)
            {
                skipped++;
                Console.WriteLine($"SKIP {name}: {fact.Skip}");
                continue;
            }
            var clock = Stopwatch.StartNew();
            try
            {
                var instance = Activator.CreateInstance(type);
                try
                {
                    var result = method.Invoke(instance, null);
                    if (result is Task task) task.GetAwaiter().GetResult();
                }
                finally
                {
                    (instance as IDisposable)?.Dispose();
                }
                passed++;
                Console.WriteLine($"PASS {name} ({clock.ElapsedMilliseconds} ms)");
            }
            catch (Exception e)
            {
                failed++;
                var inner = e is TargetInvocationException { InnerException: { } cause } ? cause : e;
                Console.WriteLine($"FAIL {name} ({clock.ElapsedMilliseconds} ms): {inner.GetType().Name}: {inner.Message}");
                Console.WriteLine(inner.StackTrace);
            }
        }
        Console.WriteLine($"passed {passed}, failed {failed}, skipped {skipped}");
        if (bench && CudaDevices.Discover().Count > 0)
        {
            try
            {
                GpuBenchmarks.Run();
                if (!kernelsOnly) GpuBenchmarks.RunModel(20000, [16384, 65536]);
            }
            catch (Exception e) { Console.WriteLine($"benchmarks failed: {e}"); failed++; }
        }
        return failed;
    }
}
