namespace Clustering.Inference.Cpu.Kernels;

/// <summary>
/// The right-hand GEMM operand B (N, K) row-major — a PyTorch linear weight (out_features, in_features) — stored
/// as column panels for the micro-kernel: panel p holds columns [p·Nr, p·Nr+Nr) as K rows of Nr contiguous floats
/// (zero beyond N). A slice of KC rows of a panel is then one contiguous KC×Nr block the micro-kernel streams.
/// Weights are constant, so they are packed once at load and never again.
/// </summary>
internal sealed unsafe class PackedMatrix : IDisposable
{
    private readonly NativeBuffer _buffer;

    public int N { get; }
    public int K { get; }
    public int Nr { get; }
    public int Panels { get; }

    public float* Data => _buffer.Pointer;

    /// <summary>Start of panel <paramref name="panel"/> at row <paramref name="k"/>: Nr floats per row.</summary>
    public float* Panel(int panel, int k) => _buffer.Pointer + ((long)panel * K + k) * Nr;

    private PackedMatrix(int n, int k, int nr)
    {
        N = n;
        K = k;
        Nr = nr;
        Panels = (n + nr - 1) / nr;
        _buffer = new NativeBuffer((long)Panels * k * nr);
    }

    /// <summary>Packs <paramref name="b"/> (n, k) row-major for a micro-kernel <paramref name="nr"/> columns wide.</summary>
    public static PackedMatrix Pack(ReadOnlySpan<float> b, int n, int k, int nr)
    {
        if (b.Length != (long)n * k) throw new ArgumentException($"expected {n}x{k} floats, got {b.Length}", nameof(b));
        var packed = new PackedMatrix(n, k, nr);
        for (var p = 0; p < packed.Panels; p++)
        {
            var dst = packed.Panel(p, 0);
            var cols = Math.Min(nr, n - p * nr);
            for (var j = 0; j < cols; j++)
            {
                var src = b.Slice((p * nr + j) * k, k);
                for (var kk = 0; kk < k; kk++) dst[(long)kk * nr + j] = src[kk];
            }
        }
        return packed;
    }

    /// <summary>Packs one row block of B at a time, for weights given as (rows, k) chunks (conversion from bf16 happens per chunk).</summary>
    public static PackedMatrix Create(int n, int k, int nr) => new(n, k, nr);

    /// <summary>Writes rows [row0, row0 + rows.Length/k) of B into their panels.</summary>
    public void PackRows(int row0, ReadOnlySpan<float> rows)
    {
        var count = rows.Length / K;
        for (var r = 0; r < count; r++)
        {
            var n = row0 + r;
            var dst = Panel(n / Nr, 0) + n % Nr;
            var src = rows.Slice(r * K, K);
            for (var kk = 0; kk < K; kk++) dst[(long)kk * Nr] = src[kk];
        }
    }

    public void Dispose() => _buffer.Dispose();
}
