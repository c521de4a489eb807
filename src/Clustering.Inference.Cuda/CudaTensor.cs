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
/// </summary>
public sealed class CudaTensor : DeviceTensor
{
    private readonly DeviceMemory _memory;

    public CudaElement Element { get; internal set; }
    public DevicePtr Pointer => _memory.Pointer;
    public long CapacityBytes => _memory.Bytes;

    internal CudaTensor(DeviceMemory memory, int rows, int columns, CudaElement element) : base(rows, columns)
    {
        _memory = memory;
        Element = element;
    }

    public override void Dispose() => _memory.Dispose();
}
