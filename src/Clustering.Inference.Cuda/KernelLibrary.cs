using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda;

/// <summary>
/// The kernels of one context: each .cu file is compiled (or read from the cache) and loaded on first use, and
/// its functions looked up once. Owned by the device's worker thread; not thread-safe.
/// </summary>
public sealed class KernelLibrary : IDisposable
{
    private readonly CudaContext _context;
    private readonly KernelCache _cache;
    private readonly Dictionary<string, CudaModule> _modules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CudaFunction> _functions = new(StringComparer.Ordinal);

    public KernelLibrary(CudaContext context, KernelCache? cache = null)
    {
        _context = context;
        _cache = cache ?? new KernelCache();
    }

    public KernelCache Cache => _cache;
    public CudaDeviceInfo Device => _context.Device;

    public CudaFunction Function(string file, string name)
    {
        var key = file + ":" + name;
        if (_functions.TryGetValue(key, out var function)) return function;
        function = Module(file).GetFunction(name);
        _functions[key] = function;
        return function;
    }

    /// <summary>Compiles and loads every kernel file now, so a broken kernel or toolkit fails at load, not mid-job.</summary>
    public void LoadAll()
    {
        foreach (var file in KernelSources.For(_context.Device.Architecture)) Module(file);
    }

    private CudaModule Module(string file)
    {
        if (_modules.TryGetValue(file, out var module)) return module;
        var architecture = KernelSources.Architecture(file, _context.Device.Architecture);
        var source = KernelSources.Source(file);
        var options = KernelSources.Options(architecture);
        var image = _cache.GetOrCompile(file, source, KernelSources.Headers, options, architecture);
        try
        {
            module = new CudaModule(_context, image);
        }
        catch (CudaException)
        {
            // A damaged cache entry: drop it and build once more from source.
            _cache.Forget(file, architecture);
            image = _cache.GetOrCompile(file, source, KernelSources.Headers, options, architecture);
            module = new CudaModule(_context, image);
        }
        _modules[file] = module;
        return module;
    }

    public void Dispose()
    {
        foreach (var module in _modules.Values) module.Dispose();
        _modules.Clear();
        _functions.Clear();
    }
}
