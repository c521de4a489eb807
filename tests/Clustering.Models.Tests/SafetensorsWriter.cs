using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Clustering.Models.Tests;

/// <summary>One tensor to write: its name in the file, safetensors dtype string, shape and raw bytes.</summary>
internal sealed record TestTensor(string Name, string DType, long[] Shape, byte[] Data);

/// <summary>
/// Writes safetensors files for tests, independently of the reader: <c>[u64 LE N][N bytes JSON][data]</c>.
/// <see cref="Write"/> lays tensors out back to back (as the Python library does); <see cref="WriteRaw"/> writes
/// any header text and data, for hostile files.
/// </summary>
internal static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<TestTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var header = new MemoryStream();
        using var data = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is not null)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            foreach (var t in tensors)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.DType);
                json.WriteStartArray("shape");
                foreach (long d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(data.Length);
                data.Write(t.Data);
                json.WriteNumberValue(data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        // Pad the header with spaces to a multiple of 8, as the reference writer does.
        while (header.Length % 8 != 0) header.WriteByte((byte)' ');
        WriteRaw(path, header.ToArray(), data.ToArray());
    }

    public static void WriteRaw(string path, string headerJson, byte[] data) => WriteRaw(path, Encoding.UTF8.GetBytes(headerJson), data);

    public static void WriteRaw(string path, byte[] header, byte[] data, ulong? declaredHeaderLength = null)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>F32 bytes of the values 0, 1, 2, ... scaled: easy to recognise when read back.</summary>
    public static byte[] F32Ramp(long count, float scale = 1f)
    {
        var bytes = new byte[count * 4];
        for (int i = 0; i < count; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), i * scale);
        return bytes;
    }

    /// <summary>BF16 bytes (truncated float32) of the values i * scale.</summary>
    public static byte[] BF16Ramp(long count, float scale = 1f)
    {
        var bytes = new byte[count * 2];
        for (int i = 0; i < count; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), (ushort)(BitConverter.SingleToUInt32Bits(i * scale) >> 16));
        return bytes;
    }

    public static byte[] F16Ramp(long count, float scale = 1f)
    {
        var bytes = new byte[count * 2];
        for (int i = 0; i < count; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), BitConverter.HalfToUInt16Bits((Half)(i * scale)));
        return bytes;
    }
}
