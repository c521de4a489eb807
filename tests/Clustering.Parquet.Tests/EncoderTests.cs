using Clustering.Parquet.Compression;
using Clustering.Parquet.Encodings;
using Clustering.Parquet.Thrift;

namespace Clustering.Parquet.Tests;

public sealed class EncoderTests
{
    public static TheoryData<int, int, string> RleShapes()
    {
        var data = new TheoryData<int, int, string>();
        foreach (int bitWidth in new[] { 1, 2, 3, 7, 8, 9, 13, 16, 20, 31 })
        foreach (int count in new[] { 0, 1, 7, 8, 9, 63, 64, 505, 513, 4099 })
        foreach (string pattern in new[] { "random", "runs", "mixed" })
            data.Add(bitWidth, count, pattern);
        return data;
    }

    [Theory]
    [MemberData(nameof(RleShapes))]
    public void RleHybridRoundTripsThroughTheReferenceDecoder(int bitWidth, int count, string pattern)
    {
        var random = new Random(bitWidth * 1000 + count);
        int max = bitWidth == 31 ? int.MaxValue : (1 << bitWidth) - 1;
        var values = new int[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = pattern switch
            {
                "random" => random.Next(0, max) | (i == 0 ? max : 0),
                "runs" => (i / 37) % 2 == 0 ? max : 0,
                _ => i % 100 < 50 ? 1 & max : random.Next(0, max),
            };
        }
        var output = new ByteBuffer();
        var encoder = new RleBitPackedHybridEncoder();
        encoder.Begin(output, bitWidth);
        for (int i = 0; i < count;)
        {
            // Feed runs through PutRepeated and the rest through Put, as the column writers do.
            int run = 1;
            while (i + run < count && values[i + run] == values[i]) run++;
            if (run > 3) encoder.PutRepeated(values[i], run);
            else for (int k = 0; k < run; k++) encoder.Put(values[i]);
            i += run;
        }
        encoder.End();
        Assert.Equal(values, ReferenceDecoders.DecodeRleHybrid(output.Span, bitWidth, count));
    }

    [Fact]
    public void RleHybridStoresARepeatedLevelAsOneRun()
    {
        var output = new ByteBuffer();
        var encoder = new RleBitPackedHybridEncoder();
        encoder.Begin(output, 1);
        encoder.PutRepeated(1, 4096);
        encoder.End();
        Assert.Equal(new byte[] { 0x80, 0x40, 0x01 }, output.Span.ToArray()); // varint(4096 << 1), value 1
    }

    public static TheoryData<int, string> SnappyShapes()
    {
        var data = new TheoryData<int, string>();
        foreach (int size in new[] { 0, 1, 16, 17, 100, 4095, 65535, 65536, 65537, 200_003 })
        foreach (string kind in new[] { "random", "text", "zeros", "floats" })
            data.Add(size, kind);
        return data;
    }

    [Theory]
    [MemberData(nameof(SnappyShapes))]
    public void SnappyRoundTripsThroughTheReferenceDecoder(int size, string kind)
    {
        var random = new Random(size);
        var input = new byte[size];
        switch (kind)
        {
            case "random": random.NextBytes(input); break;
            case "text":
                var words = "the quick brown fox jumps over the lazy dog 文書 🙂 "u8.ToArray();
                for (int i = 0; i < size; i++) input[i] = words[(i * 7 + i / 13) % words.Length];
                break;
            case "floats":
                for (int i = 0; i + 4 <= size; i += 4) BitConverter.TryWriteBytes(input.AsSpan(i), random.NextSingle() - 0.5f);
                break;
        }
        var output = new ByteBuffer();
        new SnappyCompressor().Compress(input, output);
        Assert.True(output.Length <= SnappyCompressor.MaxCompressedLength(size) + 5);
        Assert.Equal(input, ReferenceDecoders.DecodeSnappy(output.Span));
        if (kind is "zeros" or "text" && size >= 4095) Assert.True(output.Length < size / 4, $"{kind} compressed to {output.Length} of {size}");
    }

    [Fact]
    public void ThriftCompactWritesDeltaAndLongFieldHeadersListsAndZigZag()
    {
        var buffer = new ByteBuffer();
        var w = new ThriftCompactWriter(buffer);
        w.StructBegin();
        w.FieldI32(1, -1);        // delta 1, i32: 0x15, zigzag(-1) = 1
        w.FieldBool(2, true);     // delta 1, boolean true: 0x11
        w.FieldI64(20, 300);      // delta 18 > 15: type byte 0x06, zigzag i16 id 40 = 0x28, zigzag(300) = 600 = 0xD8 0x04
        w.FieldListBegin(21, ThriftCompactWriter.I32, 15); // delta 1: 0x19, then 0xF5 and varint 15
        for (int i = 0; i < 15; i++) w.ElementI32(0);
        w.FieldStructBegin(22);   // 0x1C
        w.FieldString(1, "é");    // 0x18, length 2, C3 A9
        w.StructEnd();            // 0x00
        w.FieldI8(23, 32);        // 0x13, 0x20
        w.StructEnd();            // 0x00
        byte[] expected = [0x15, 0x01, 0x11, 0x06, 0x28, 0xD8, 0x04, 0x19, 0xF5, 0x0F, .. new byte[15], 0x1C, 0x18, 0x02, 0xC3, 0xA9, 0x00, 0x13, 0x20, 0x00];
        Assert.Equal(expected, buffer.Span.ToArray());
    }

    [Fact]
    public void BitWidthCoversTheLargestValue()
    {
        Assert.Equal(0, BitPacking.BitWidth(0));
        Assert.Equal(1, BitPacking.BitWidth(1));
        Assert.Equal(2, BitPacking.BitWidth(2));
        Assert.Equal(8, BitPacking.BitWidth(255));
        Assert.Equal(9, BitPacking.BitWidth(256));
        Assert.Equal(31, BitPacking.BitWidth(int.MaxValue));
    }
}
