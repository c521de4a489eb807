namespace Clustering.Inference.Cpu.Kernels;

/// <summary>
/// C (m, n) (+)= A (m, k) · Bᵀ, B (n, k) pre-packed as a <see cref="PackedMatrix"/>: every linear layer.
/// Blocking (Goto/BLIS): C is cut into tiles of MC rows × nc columns that the workers claim; inside a tile,
/// K is walked in KC slices; each slice of A's MC rows is packed into Mr-row panels (MC·KC floats: L2),
/// and for each Nr-wide B panel slice (KC·Nr floats: L1) the micro-kernel sweeps all A panels.
/// The first K slice writes C (or adds to it when accumulating: the residual add of o_proj/down_proj is free).
/// Edge tiles (fewer than Mr rows or Nr columns) run into a scratch tile and copy the valid part back.
/// One instance per backend; not reentrant (one GEMM at a time, its workers in parallel).
/// </summary>
internal sealed unsafe class Gemm : IParallelWork, IDisposable
{
    private const int KC = 256;
    private const int MC = 96;   // a multiple of 8, 6 and 4: every Mr
    private const int MaxNC = 512;

    private readonly WorkerPool _pool;
    private readonly NativeBuffer[] _aPack; // per worker: (MC, KC) as Mr-row panels
    private readonly NativeBuffer[] _edge;  // per worker: (Mr, Nr) scratch tile
    private readonly delegate*<int, float*, float*, float*, int, bool, void> _micro;

    public GemmKernel Kernel { get; }
    public int Mr { get; }
    public int Nr { get; }

    // The GEMM being run (set by Run, read by Execute on every worker).
    private float* _a;
    private int _lda;
    private int _m;
    private PackedMatrix? _b;
    private float* _c;
    private int _ldc;
    private bool _accumulate;
    private int _nc;
    private int _tilesN;

    public Gemm(WorkerPool pool, GemmKernel kernel)
    {
        _pool = pool;
        Kernel = GemmMicroKernels.Resolve(kernel);
        (Mr, Nr) = GemmMicroKernels.Shape(Kernel);
        _micro = Kernel switch
        {
            GemmKernel.Avx512 => &GemmMicroKernels.Avx512x8x32,
            GemmKernel.Avx2 => &GemmMicroKernels.Avx2x6x16,
            _ => &GemmMicroKernels.Scalar4x16,
        };
        _aPack = new NativeBuffer[pool.Workers];
        _edge = new NativeBuffer[pool.Workers];
        for (var w = 0; w < pool.Workers; w++)
        {
            _aPack[w] = new NativeBuffer(MC * KC);
            _edge[w] = new NativeBuffer(Mr * Nr);
        }
    }

    /// <summary>Packs a weight (n, k) for this kernel's panel width.</summary>
    public PackedMatrix Pack(ReadOnlySpan<float> b, int n, int k) => PackedMatrix.Pack(b, n, k, Nr);

    /// <summary>C (m, b.N) with row stride ldc (+)= A (m, b.K) with row stride lda · Bᵀ.</summary>
    public void Run(float* a, int lda, int m, PackedMatrix b, float* c, int ldc, bool accumulate)
    {
        if (b.Nr != Nr) throw new ArgumentException($"weight packed for Nr={b.Nr}, kernel needs {Nr}", nameof(b));
        if (m == 0) return;
        _a = a; _lda = lda; _m = m; _b = b; _c = c; _ldc = ldc; _accumulate = accumulate;
        var tilesM = (m + MC - 1) / MC;
        // Enough tiles to keep every worker busy (and balance), but columns wide enough to reuse packed A.
        var wantTilesN = Math.Max(1, (3 * _pool.Workers + tilesM - 1) / tilesM);
        var nc = (b.N + wantTilesN - 1) / wantTilesN;
        nc = Math.Clamp((nc + Nr - 1) / Nr * Nr, Nr, MaxNC);
        _nc = nc;
        _tilesN = (b.N + nc - 1) / nc;
        _pool.Run(this, tilesM * _tilesN);
        _b = null;
    }

    public void Execute(int item, int worker)
    {
        var b = _b!;
        var i0 = item / _tilesN * MC;
        var j0 = item % _tilesN * _nc;
        var mc = Math.Min(MC, _m - i0);
        var nc = Math.Min(_nc, b.N - j0);
        var aPack = _aPack[worker].Pointer;
        var edge = _edge[worker].Pointer;
        var k = b.K;
        for (var pc = 0; pc < k; pc += KC)
        {
            var kc = Math.Min(KC, k - pc);
            PackA(_a + (long)i0 * _lda + pc, _lda, mc, kc, aPack);
            var accumulate = _accumulate || pc > 0;
            for (var jr = 0; jr < nc; jr += Nr)
            {
                var cols = Math.Min(Nr, nc - jr);
                var bPanel = b.Panel((j0 + jr) / Nr, pc);
                for (var ir = 0; ir < mc; ir += Mr)
                {
                    var rows = Math.Min(Mr, mc - ir);
                    var cTile = _c + (long)(i0 + ir) * _ldc + j0 + jr;
                    if (rows == Mr && cols == Nr)
                    {
                        _micro(kc, aPack + ir * kc, bPanel, cTile, _ldc, accumulate);
                    }
                    else
                    {
                        // Same arithmetic as a full tile (accumulate into the loaded C), so a row's result
                        // does not depend on where it falls in the batch: batched == alone, bit for bit.
                        if (accumulate)
                            for (var r = 0; r < rows; r++)
                            for (var j = 0; j < cols; j++)
                                edge[r * Nr + j] = cTile[(long)r * _ldc + j];
                        _micro(kc, aPack + ir * kc, bPanel, edge, Nr, accumulate);
                        for (var r = 0; r < rows; r++)
                        for (var j = 0; j < cols; j++)
                            cTile[(long)r * _ldc + j] = edge[r * Nr + j];
                    }
                }
            }
        }
    }

    /// <summary>A (rows ≤ MC, kc) with stride lda → Mr-row panels: panel p holds k-slices of Mr floats (zero past rows).</summary>
    private void PackA(float* a, int lda, int rows, int kc, float* dst)
    {
        var mr = Mr;
        for (var p = 0; p < rows; p += mr)
        {
            var panel = dst + p * kc;
            var live = Math.Min(mr, rows - p);
            for (var r = 0; r < live; r++)
            {
                var src = a + (long)(p + r) * lda;
                var d = panel + r;
                for (var kk = 0; kk < kc; kk++) d[kk * mr] = src[kk];
            }
            for (var r = live; r < mr; r++)
            for (var kk = 0; kk < kc; kk++) panel[kk * mr + r] = 0f;
        }
    }

    public void Dispose()
    {
        foreach (var b in _aPack) b.Dispose();
        foreach (var b in _edge) b.Dispose();
    }
}
