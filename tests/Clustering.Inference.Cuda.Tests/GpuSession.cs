using Clustering.Inference.Cuda.Native;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Clustering.Inference.Cuda.Tests;

/// <summary>
/// One context, stream, kernel library and cuBLASLt handle for the whole test run (building them costs seconds;
/// tests do not run in parallel). Each test calls <see cref="Get"/>, which makes the context current on its thread.
/// Kernels compile into a per-run cache folder, so a stale on-disk cache can never hide a broken kernel.
/// </summary>
internal sealed class GpuSession
{
    private static readonly Lazy<GpuSession> Shared = new(() => new GpuSession());

    public CudaContext Context { get; }
    public CudaStream Stream { get; }
    public KernelLibrary Kernels { get; }
    public CublasLt Blas { get; }

    private GpuSession()
    {
        Context = new CudaContext(CudaDevices.Discover()[0]);
        Stream = Context.CreateStream();
        var cacheFolder = Path.Combine(Path.GetTempPath(), "clustering-kernels-test-" + Environment.ProcessId);
        Kernels = new KernelLibrary(Context, new KernelCache(cacheFolder));
        Blas = new CublasLt(Context);
    }

    public static GpuSession Get()
    {
        var session = Shared.Value;
        session.Context.MakeCurrent();
        return session;
    }

    public DeviceMemory Upload<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        var memory = Context.Allocate(Math.Max(1, values.Length) * (long)System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        Stream.CopyToDevice(memory.Pointer, values);
        return memory;
    }

    public DeviceMemory Upload<T>(T[] values) where T : unmanaged => Upload((ReadOnlySpan<T>)values);

    /// <summary>An output buffer filled with 0xFF bytes: NaN as bf16 and as fp32, so an unwritten element fails the comparison.</summary>
    public DeviceMemory Poisoned(long bytes)
    {
        var memory = Context.Allocate(Math.Max(1, bytes));
        Stream.Fill(memory.Pointer, 0xFF, memory.Bytes);
        return memory;
    }

    public T[] Download<T>(DeviceMemory memory, int count) where T : unmanaged
    {
        var values = new T[count];
        Stream.CopyToHost(values.AsSpan(), memory.Pointer);
        Stream.Synchronize();
        return values;
    }

    public static Random NewRandom(out int seed)
    {
        seed = Environment.TickCount ^ Random.Shared.Next();
        return new Random(seed);
    }
}
