using System.Text;

namespace Clustering.Models.Tests;

/// <summary>Valid and hostile single safetensors files: each refusal names the file and the tensor or header.</summary>
public class SafetensorsFileTests
{
    [Fact]
    public void Reads_tensors_laid_out_by_the_writer_with_metadata()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafetensorsWriter.Write(path,
        [
            new TestTensor("a", "F32", [2, 3], SafetensorsWriter.F32Ramp(6)),
            new TestTensor("model.b", "BF16", [5], SafetensorsWriter.BF16Ramp(5)),
            new TestTensor("empty", "F16", [0, 4], []),
            new TestTensor("scalar", "F32", [], SafetensorsWriter.F32Ramp(1)),
        ], new Dictionary<string, string> { ["format"] = "pt" });

        using var file = SafetensorsFile.Open(path);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(["a", "model.b", "empty", "scalar"], file.Entries.Select(e => e.Name));
        var a = file.Entries[0];
        Assert.Equal((TensorDType.F32, 6L, 24L), (a.DType, a.ElementCount, a.ByteLength));
        Assert.Equal([2L, 3L], a.Shape);
        Assert.Equal(0L, file.Entries[2].ElementCount);
        Assert.Equal(1L, file.Entries[3].ElementCount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void Refuses_a_file_shorter_than_the_header_length(int size)
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        File.WriteAllBytes(path, new byte[size]);
        var e = Refused(path);
        Assert.Equal("header", e.Position);
        Assert.Contains($"file is {size} bytes", e.Reason);
    }

    [Fact]
    public void Refuses_a_header_length_past_the_end_of_the_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafetensorsWriter.WriteRaw(path, Encoding.UTF8.GetBytes("{}"), [], declaredHeaderLength: 3);
        var e = Refused(path);
        Assert.Equal("header", e.Position);
        Assert.Equal("header length 3 runs past the end of the file (10 bytes)", e.Reason);
    }

    [Theory]
    [InlineData(ulong.MaxValue)]
    [InlineData((ulong)long.MaxValue + 1)]
    [InlineData(1UL << 40)]
    public void Refuses_a_huge_header_length_without_reading_it(ulong declared)
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafetensorsWriter.WriteRaw(path, Encoding.UTF8.GetBytes("{}"), [], declaredHeaderLength: declared);
        var e = Refused(path);
        Assert.Equal("header", e.Position);
        Assert.Contains($"header length {declared} runs past the end", e.Reason);
    }

    [Fact]
    public void Refuses_a_header_over_the_size_cap_even_when_the_file_is_that_long()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        // A sparse file: 8 + cap + 1 bytes of header, costs no disk.
        using (var stream = File.Create(path))
        {
            var prefix = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(prefix, SafetensorsFile.MaxHeaderBytes + 1);
            stream.Write(prefix);
            stream.SetLength(8 + SafetensorsFile.MaxHeaderBytes + 1);
        }
        var e = Refused(path);
        Assert.Equal("header", e.Position);
        Assert.Contains("exceeds the 104857600-byte limit", e.Reason);
    }

    [Theory]
    [InlineData("not json at all", "not valid JSON")]
    [InlineData("{\"a\": {\"dtype\": \"F32\"", "not valid JSON")]
    [InlineData("[1, 2, 3]", "expected a JSON object, found an array")]
    [InlineData("\"text\"", "expected a JSON object, found a string")]
    public void Refuses_a_header_that_is_not_a_JSON_object(string header, string reason)
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafetensorsWriter.WriteRaw(path, header, []);
        var e = Refused(path);
        Assert.Contains(reason, e.Reason);
    }

    public static TheoryData<string, int, string> BadEntries => new()
    {
        // header | data bytes | words in the reason (the position is always tensor "w")
        { """{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 16]}}""", 8, "run past the end of the data section (8 bytes)" },
        { """{"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}""", 12, "run past the end" },
        { """{"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}""", 8, "begin after they end" },
        { """{"w": {"dtype": "F32", "shape": [2], "data_offsets": [-8, 0]}}""", 8, "non-negative integers" },
        { """{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 9223372036854775808]}}""", 8, "non-negative integers" },
        { """{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}""", 8, "F32 shape (3,) needs 12 bytes but data_offsets [0, 8] hold 8" },
        { """{"w": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 4]}}""", 8, "BF16 shape (2, 2) needs 8 bytes but data_offsets [0, 4] hold 4" },
        { """{"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]}}""", 8, "needs more than 2^63 bytes" },
        { """{"w": {"dtype": "F32", "shape": [2305843009213693952], "data_offsets": [0, 8]}}""", 8, "needs more than 2^63 bytes" },
        { """{"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}""", 8, "shape[0] must be a non-negative integer" },
        { """{"w": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}}""", 8, "shape[0] must be a non-negative integer" },
        { """{"w": {"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}}""", 8, "no shape array" },
        { """{"w": {"dtype": "F32", "data_offsets": [0, 8]}}""", 8, "no shape array" },
        { """{"w": {"shape": [2], "data_offsets": [0, 8]}}""", 8, "no dtype" },
        { """{"w": {"dtype": "F32", "shape": [2]}}""", 8, "no data_offsets" },
        { """{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0]}}""", 8, "no data_offsets" },
        { """{"w": {"dtype": "F32", "shape": [2], "data_offsets": ["0", "8"]}}""", 8, "non-negative integers" },
        { """{"w": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}""", 8, "unsupported dtype \"I64\"" },
        { """{"w": {"dtype": "F8_E4M3", "shape": [8], "data_offsets": [0, 8]}}""", 8, "unsupported dtype \"F8_E4M3\"" },
        { """{"w": {"dtype": "Q4", "shape": [8], "data_offsets": [0, 8]}}""", 8, "unknown dtype \"Q4\"" },
        { """{"w": [1, 2]}""", 0, "expected a tensor entry object" },
        { """{"v": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "w": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}""", 12, "overlap those of tensor v" },
        { """{"v": {"dtype": "F32", "shape": [3], "data_offsets": [4, 16]}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}""", 16, "overlap those of tensor v" },
        { """{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}""", 8, "listed twice" },
    };

    [Theory]
    [MemberData(nameof(BadEntries))]
    public void Refuses_a_bad_tensor_entry_naming_the_file_and_tensor(string header, int dataBytes, string reason)
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafetensorsWriter.WriteRaw(path, header, new byte[dataBytes]);
        var e = Refused(path);
        Assert.Equal("w", e.Position);
        Assert.Contains(reason, e.Reason);
        Assert.StartsWith(path + " (w): ", e.Message);
    }

    [Theory]
    [InlineData("""{"__metadata__": {"format": 3}}""", "__metadata__.format")]
    [InlineData("""{"__metadata__": [1]}""", "__metadata__")]
    public void Refuses_metadata_that_is_not_strings(string header, string position)
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafetensorsWriter.WriteRaw(path, header, []);
        Assert.Equal(position, Refused(path).Position);
    }

    [Fact]
    public void Zero_length_tensors_may_share_an_offset_and_a_header_may_be_padded()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafetensorsWriter.WriteRaw(path, """{"a": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]}, "b": {"dtype": "F16", "shape": [2, 0], "data_offsets": [4, 4]}, "c": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}      """, new byte[8]);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(3, file.Entries.Count);
    }

    [Fact]
    public void Refuses_a_missing_file_naming_it()
    {
        using var dir = new TempDirectory();
        var e = Refused(dir.File("absent.safetensors"));
        Assert.Contains("not found", e.Reason);
    }

    private static InputFormatException Refused(string path)
    {
        var e = Assert.Throws<InputFormatException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Equal(path, e.Input);
        return e;
    }
}
