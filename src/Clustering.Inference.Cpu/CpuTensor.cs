using Clustering.Inference.Cpu.Kernels;

namespace Clustering.Inference.Cpu;

/// <summary>A row-major fp32 tensor in host memory: activations, embedding tables, norm weights.</summary>
internal sealed unsafe class CpuTensor : DeviceTensor
{
    private readonly NativeBuffer _buffer;

    public CpuTensor(int rows, int columns) : base(rows, columns) => _buffer = new NativeBuffer((long)rows * columns);

    public float* Pointer => _buffer.Pointer;

    public Span<float> Row(int row) => new(_buffer.Pointer + (long)row * Columns, Columns);

    public Span<float> LiveRows(int rows) => new(_buffer.Pointer, checked(rows * Columns));

    public override void Dispose() => _buffer.Dispose();
}

/// <summary>A linear layer's weight (out, in) stored as GEMM panels (see <see cref="PackedMatrix"/>).</summary>
internal sealed class CpuLinearWeight : DeviceTensor
{
    public PackedMatrix Packed { get; }

    public CpuLinearWeight(PackedMatrix packed) : base(packed.N, packed.K) => Packed = packed;

    public override void Dispose() => Packed.Dispose();
}
