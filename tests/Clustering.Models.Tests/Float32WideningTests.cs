using System.Buffers.Binary;

namespace Clustering.Models.Tests;

/// <summary>The vectorised widening against the scalar reference (the runtime's own conversions), exhaustively.</summary>
public class Float32WideningTests
{
    private static byte[] AllBitPatterns()
    {
        var bytes = new byte[65536 * 2];
        for (int i = 0; i < 65536; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), (ushort)i);
        return bytes;
    }

    [Fact]
    public void Bfloat16_every_bit_pattern_equals_the_reference()
    {
        var source = AllBitPatterns();
        var fast = new float[65536];
        var reference = new float[65536];
        Float32Widening.BFloat16ToSingle(source, fast);
        Float32WideningReference.BFloat16ToSingle(source, reference);
        for (int i = 0; i < 65536; i++)
            Assert.True(BitConverter.SingleToUInt32Bits(fast[i]) == BitConverter.SingleToUInt32Bits(reference[i]), $"bf16 0x{i:X4}: {fast[i]} vs {reference[i]}");
        // bf16 is the top half of a float32: a few landmarks spelled out.
        Assert.Equal(1f, fast[0x3F80]);
        Assert.Equal(float.PositiveInfinity, fast[0x7F80]);
        Assert.Equal(float.NegativeInfinity, fast[0xFF80]);
        Assert.True(float.IsNaN(fast[0x7FC0]));
        Assert.Equal(BitConverter.UInt32BitsToSingle(0x00010000), fast[0x0001]); // smallest subnormal
        Assert.Equal(0x80000000u, BitConverter.SingleToUInt32Bits(fast[0x8000])); // -0
    }

    [Fact]
    public void Float16_every_bit_pattern_equals_the_reference()
    {
        var source = AllBitPatterns();
        var fast = new float[65536];
        var reference = new float[65536];
        Float32Widening.HalfToSingle(source, fast);
        Float32WideningReference.HalfToSingle(source, reference);
        for (int i = 0; i < 65536; i++)
        {
            if (float.IsNaN(reference[i]))
            {
                // NaN stays NaN with its sign; payload bits are not a promise of either implementation.
                Assert.True(float.IsNaN(fast[i]) && float.IsNegative(fast[i]) == float.IsNegative(reference[i]), $"f16 0x{i:X4}");
                continue;
            }
            Assert.True(BitConverter.SingleToUInt32Bits(fast[i]) == BitConverter.SingleToUInt32Bits(reference[i]), $"f16 0x{i:X4}: {fast[i]} vs {reference[i]}");
        }
        Assert.Equal(1f, fast[0x3C00]);
        Assert.Equal(65504f, fast[0x7BFF]);
        Assert.Equal(MathF.Pow(2, -24), fast[0x0001]); // smallest subnormal
        Assert.Equal(MathF.Pow(2, -14) - MathF.Pow(2, -24), fast[0x03FF]); // largest subnormal
        Assert.Equal(float.NegativeInfinity, fast[0xFC00]);
        Assert.Equal(0x80000000u, BitConverter.SingleToUInt32Bits(fast[0x8000]));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(3, 15)]
    [InlineData(1, 16)]
    [InlineData(0, 17)]
    [InlineData(5, 33)]
    [InlineData(1, 1023)]
    public void Odd_lengths_and_unaligned_sources_match_the_reference(int misalignment, int count)
    {
        var random = new Random(count * 31 + misalignment);
        var buffer = new byte[misalignment + 2 * count + 2];
        random.NextBytes(buffer);
        ReadOnlySpan<byte> source = buffer.AsSpan(misalignment, 2 * count);
        for (int kind = 0; kind < 2; kind++)
        {
            var expected = new float[count + 1];
            var actual = new float[count + 1];
            expected[count] = actual[count] = 42f; // the element past the end stays untouched
            if (kind == 0)
            {
                Float32WideningReference.BFloat16ToSingle(source, expected.AsSpan(0, count));
                Float32Widening.BFloat16ToSingle(source, actual.AsSpan(0, count));
            }
            else
            {
                Float32WideningReference.HalfToSingle(source, expected.AsSpan(0, count));
                Float32Widening.HalfToSingle(source, actual.AsSpan(0, count));
            }
            for (int i = 0; i <= count; i++)
                Assert.True(BitConverter.SingleToUInt32Bits(expected[i]) == BitConverter.SingleToUInt32Bits(actual[i]) || (float.IsNaN(expected[i]) && float.IsNaN(actual[i])), $"kind {kind} element {i}");
        }
    }

    [Fact]
    public void A_source_shorter_than_the_destination_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Float32Widening.BFloat16ToSingle(new byte[6], new float[4]));
        Assert.Throws<ArgumentException>(() => Float32Widening.HalfToSingle(new byte[7], new float[4]));
    }

    [Theory]
    [InlineData("BF16")]
    [InlineData("F16")]
    [InlineData("F32")]
    public void TensorView_widens_whole_tensors_and_ranges(string dtype)
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        byte[] data = dtype switch { "BF16" => SafetensorsWriter.BF16Ramp(37, 0.5f), "F16" => SafetensorsWriter.F16Ramp(37, 0.5f), _ => SafetensorsWriter.F32Ramp(37, 0.5f) };
        // A one-byte tensor first makes the second start at an odd offset: views must not assume alignment.
        SafetensorsWriter.WriteRaw(path, "{\"pad\": {\"dtype\": \"F16\", \"shape\": [0], \"data_offsets\": [0, 0]}, \"t\": {\"dtype\": \"" + dtype + "\", \"shape\": [37], \"data_offsets\": [1, " + (1 + data.Length) + "]}}", [0xAB, .. data]);
        using var file = SafetensorsFile.Open(path);
        var view = new TensorView("t", file, file.Entries[1]);
        var all = new float[40];
        view.ToFloat32(all);
        Assert.Equal(Enumerable.Range(0, 37).Select(i => i * 0.5f), all[..37]);
        Assert.Equal([0f, 0f, 0f], all[37..]);
        var row = new float[5];
        view.ToFloat32(30, row);
        Assert.Equal([15f, 15.5f, 16f, 16.5f, 17f], row);
        Assert.Throws<ArgumentOutOfRangeException>(() => view.ToFloat32(33, new float[5]));
        Assert.Throws<ArgumentException>(() => view.ToFloat32(new float[36]));
        Assert.Throws<ArgumentOutOfRangeException>(() => view.Slice(data.Length - 1, 2).Length);
        Assert.Equal(data[2..6], view.Slice(2, 4).ToArray());
    }
}
