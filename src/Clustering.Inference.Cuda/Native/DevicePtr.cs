namespace Clustering.Inference.Cuda.Native;

/// <summary>A CUdeviceptr: an address in one context's device memory. Null is 0.</summary>
public readonly record struct DevicePtr(ulong Address)
{
    public static DevicePtr Null => default;
    public bool IsNull => Address == 0;
    public DevicePtr Offset(long bytes) => new(checked((ulong)((long)Address + bytes)));
    public override string ToString() => $"0x{Address:x}";
}
