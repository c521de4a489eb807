using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda;

/// <summary>How a <see cref="CudaTensor"/>'s elements are stored right now.</summary>
public enum CudaElement
{
    BFloat16,
    Float32,
}

/// <summary>
/// A (rows, columns) tensor in device memory. Weights are bf16. An activation buffer is allocated at load with
/// room for fp32 and takes the element type of the op that last wrote it: the residual stream (embedding, the
/// accumulating GEMMs) stays fp32, GEMM inputs and attention operands are bf16. The model graph never sees this.
/// A tensor may be a column slice [<see cref="ColumnOffset"/>, + Columns) of a wider buffer (the outputs of a fused
/// projection): its rows are <see cref="Stride"/> elements apart, and the buffer is freed with its last slice.
/// </summary>
public sealed class CudaTensor : DeviceTensor
{
    private readonly SharedMemory _memory;
    private bool _disposed;

    public CudaElement Element { get; internal set; }

    /// <summary>Elements from one row's start to the next's (Columns unless this is a slice).</summary>
    public int Stride { get; }

    /// <summary>The first column of this slice inside its buffer (0 unless a slice).</summary>
    public int ColumnOffset { get; }

    public DevicePtr Pointer => _memory.Memory.Pointer.Offset(ColumnOffset * (Element == CudaElement.Float32 ? 4L : 2L));
    public long CapacityBytes => _memory.Memory.Bytes;
    public bool IsContiguous => Stride == Columns;

    internal CudaTensor(DeviceMemory memory, int rows, int columns, CudaElement element)
        : this(new SharedMemory(memory, 1), rows, columns, columns, 0, element)
    {
    }

    private CudaTensor(SharedMemory memory, int rows, int columns, int stride, int columnOffset, CudaElement element) : base(rows, columns)
    {
        _memory = memory;
        Stride = stride;
        ColumnOffset = columnOffset;
        Element = element;
    }

    /// <summary>Column slices of one new (rows, Σ widths) buffer, side by side in the order given.</summary>
    internal static CudaTensor[] Slices(DeviceMemory memory, int rows, IReadOnlyList<int> widths, CudaElement element)
    {
        var stride = widths.Sum();
        var shared = new SharedMemory(memory, widths.Count);
        var slices = new CudaTensor[widths.Count];
        var offset = 0;
        for (var i = 0; i < slices.Length; i++)
        {
            slices[i] = new CudaTensor(shared, rows, widths[i], stride, offset, element);
            offset += widths[i];
        }
        return slices;
    }

    /// <summary>Whether <paramref name="slices"/> are, in order, every slice of one buffer (so one GEMM fills them all).</summary>
    internal static bool AreOneBuffer(IReadOnlyList<CudaTensor> slices)
    {
        var offset = 0;
        foreach (var s in slices)
        {
            if (!ReferenceEquals(s._memory, slices[0]._memory) || s.ColumnOffset != offset) return false;
            offset += s.Columns;
        }
        return offset == slices[0].Stride;
    }

    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _memory.Release();
    }

    /// <summary>A buffer shared by its slices: freed when the last one is disposed.</summary>
    private sealed class SharedMemory(DeviceMemory memory, int owners)
    {
        private int _owners = owners;

        public DeviceMemory Memory { get; } = memory;

        public void Release()
        {
            if (Interlocked.Decrement(ref _owners) == 0) Memory.Dispose();
        }
    }
}
