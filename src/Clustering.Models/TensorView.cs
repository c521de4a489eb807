using System.Runtime.InteropServices;

namespace Clustering.Models;

/// <summary>
/// A read-only view of one tensor's bytes inside a memory-mapped safetensors file (row-major, little-endian).
/// Valid while the <see cref="TensorStore"/> that gave it is open; after that, reading bytes throws
/// <see cref="ObjectDisposedException"/> rather than touching unmapped memory. Copying the struct is cheap.
/// </summary>
public readonly unsafe struct TensorView
{
    private readonly SafetensorsFile _file;
    private readonly SafetensorsEntry _entry;

    internal TensorView(string name, SafetensorsFile file, SafetensorsEntry entry)
    {
        Name = name;
        _file = file;
        _entry = entry;
    }

    /// <summary>The canonical name (without the "model." prefix), e.g. "layers.0.self_attn.q_proj.weight".</summary>
    public string Name { get; }

    /// <summary>The name as written in the file (may carry the "model." prefix).</summary>
    public string FileName => _entry.Name;

    /// <summary>The safetensors file holding it.</summary>
    public string File => _file.Path;

    public TensorDType DType => _entry.DType;

    /// <summary>A copy of the shape, outermost first (PyTorch order: a Linear weight is (out_features, in_features)).</summary>
    public long[] Shape => (long[])_entry.Shape.Clone();

    public int Rank => _entry.Shape.Length;

    public long Dimension(int axis) => _entry.Shape[axis];

    public long ElementCount => _entry.ElementCount;

    public long ByteLength => _entry.ByteLength;

    /// <summary>The tensor's bytes. Throws <see cref="NotSupportedException"/> above 2 GiB: use <see cref="Slice"/> for those.</summary>
    public ReadOnlySpan<byte> Bytes
    {
        get
        {
            if (_entry.ByteLength > int.MaxValue)
                throw new NotSupportedException($"{File} ({Name}): {_entry.ByteLength} bytes do not fit one span; read it with Slice");
            return new ReadOnlySpan<byte>(_file.Pointer(_entry), (int)_entry.ByteLength);
        }
    }

    /// <summary>byteLength bytes from byteOffset into the tensor; bounds-checked against the tensor.</summary>
    public ReadOnlySpan<byte> Slice(long byteOffset, int byteLength)
    {
        if (byteOffset < 0 || byteLength < 0 || byteOffset > _entry.ByteLength - byteLength)
            throw new ArgumentOutOfRangeException(nameof(byteOffset), $"[{byteOffset}, +{byteLength}) is outside the {_entry.ByteLength} bytes of {Name}");
        return new ReadOnlySpan<byte>(_file.Pointer(_entry) + byteOffset, byteLength);
    }

    /// <summary>
    /// Writes all <see cref="ElementCount"/> elements as float32 into the start of destination (which may be longer),
    /// widening bf16/f16 exactly (NaN, infinities and subnormals kept).
    /// </summary>
    public void ToFloat32(Span<float> destination)
    {
        if (destination.Length < ElementCount)
            throw new ArgumentException($"destination holds {destination.Length} floats; {Name} has {ElementCount} elements", nameof(destination));
        ToFloat32(0, destination[..(int)ElementCount]);
    }

    /// <summary>Writes destination.Length elements starting at element firstElement (e.g. one row of the embedding) as float32.</summary>
    public void ToFloat32(long firstElement, Span<float> destination)
    {
        if (firstElement < 0 || firstElement > ElementCount - destination.Length)
            throw new ArgumentOutOfRangeException(nameof(firstElement), $"elements [{firstElement}, +{destination.Length}) are outside the {ElementCount} of {Name}");
        int elementSize = TensorDTypes.SizeInBytes(DType);
        byte* source = _file.Pointer(_entry) + firstElement * elementSize;
        // Chunks keep each source span under 2 GiB even for the largest f32 tensors.
        const int chunk = 1 << 28;
        for (int done = 0; done < destination.Length; done += chunk)
        {
            int count = Math.Min(chunk, destination.Length - done);
            var bytes = new ReadOnlySpan<byte>(source + (long)done * elementSize, count * elementSize);
            var target = destination.Slice(done, count);
            switch (DType)
            {
                case TensorDType.F32: MemoryMarshal.Cast<byte, float>(bytes).CopyTo(target); break;
                case TensorDType.BF16: Float32Widening.BFloat16ToSingle(bytes, target); break;
                default: Float32Widening.HalfToSingle(bytes, target); break;
            }
        }
    }

    public override string ToString() => $"{Name} {TensorDTypes.Name(DType)} {ShapeText.Format(_entry.Shape)} in {File}";
}
