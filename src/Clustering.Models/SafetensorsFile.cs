using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace Clustering.Models;

/// <summary>Where one tensor lies in a <see cref="SafetensorsFile"/>: offsets are from the start of the file.</summary>
internal sealed record SafetensorsEntry(string Name, TensorDType DType, long[] Shape, long ElementCount, long FileOffset, long ByteLength);

/// <summary>
/// One .safetensors file, memory-mapped read-only and validated whole when opened:
/// <c>[u64 LE header length N][N bytes of JSON header][data section]</c>, where the header is an object of
/// <c>name → {dtype, shape, data_offsets: [begin, end]}</c> (offsets relative to the data section) plus an optional
/// <c>__metadata__</c> object of strings. After <see cref="Open"/> every entry's bytes are known to lie inside the
/// file, not to overlap another entry, and to be exactly dtype size × product(shape) long, so views over them
/// never read out of range. Any violation is an <see cref="InputFormatException"/> naming the file and the tensor.
/// </summary>
internal sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>Real headers are kilobytes (a few hundred entries); larger ones are refused before being read.</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base;

    public string Path { get; }
    public long Length { get; }
    public IReadOnlyList<SafetensorsEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public bool IsDisposed => _base == null;

    private SafetensorsFile(string path, long length, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePointer,
        IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        Length = length;
        _map = map;
        _view = view;
        _base = basePointer;
        Entries = entries;
        Metadata = metadata;
    }

    public static SafetensorsFile Open(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.None);
        }
        catch (FileNotFoundException) { throw new InputFormatException(path, null, "safetensors file not found"); }
        catch (DirectoryNotFoundException) { throw new InputFormatException(path, null, "safetensors file not found"); }
        catch (IOException e) { throw new InputFormatException(path, null, "cannot open: " + e.Message); }
        catch (UnauthorizedAccessException e) { throw new InputFormatException(path, null, "cannot open: " + e.Message); }

        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        bool pointerAcquired = false;
        try
        {
            long length = stream.Length;
            if (length < 8)
                throw new InputFormatException(path, "header", $"file is {length} bytes, shorter than the 8-byte header length");
            map = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            pointerAcquired = true;
            pointer += view.PointerOffset;
            var (entries, metadata) = ReadHeader(path, new ReadOnlySpan<byte>(pointer, 8), pointer, length);
            return new SafetensorsFile(path, length, map, view, pointer, entries, metadata);
        }
        catch
        {
            if (pointerAcquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            if (map is not null) map.Dispose(); else stream.Dispose();
            throw;
        }
    }

    private static (IReadOnlyList<SafetensorsEntry>, IReadOnlyDictionary<string, string>) ReadHeader(string path, ReadOnlySpan<byte> prefix, byte* file, long length)
    {
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(length - 8))
            throw new InputFormatException(path, "header", $"header length {headerLength} runs past the end of the file ({length} bytes)");
        if (headerLength > MaxHeaderBytes)
            throw new InputFormatException(path, "header", $"header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit");
        if (headerLength < 2)
            throw new InputFormatException(path, "header", $"header length {headerLength} is too short to hold a JSON object");
        long dataStart = 8 + (long)headerLength;
        long dataLength = length - dataStart;

        // Copy the header out of the mapping: JsonDocument needs managed memory, and it is small.
        byte[] header = new ReadOnlySpan<byte>(file + 8, (int)headerLength).ToArray();
        using var document = JsonFields.ParseObject(header, path);

        var entries = new List<SafetensorsEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            string name = property.Name;
            if (!seen.Add(name)) throw new InputFormatException(path, name, "listed twice in the header");
            if (name == "__metadata__")
            {
                ReadMetadata(path, property.Value, metadata);
                continue;
            }
            entries.Add(ReadEntry(path, name, property.Value, dataStart, dataLength));
        }
        RefuseOverlaps(path, entries);
        return (entries, metadata);
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new InputFormatException(path, "__metadata__", $"expected an object of strings, found {JsonFields.Describe(value.ValueKind)}");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new InputFormatException(path, "__metadata__." + item.Name, $"expected a string, found {JsonFields.Short(item.Value)}");
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static SafetensorsEntry ReadEntry(string path, string name, JsonElement value, long dataStart, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new InputFormatException(path, name, $"expected a tensor entry object, found {JsonFields.Describe(value.ValueKind)}");

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new InputFormatException(path, name, "entry has no dtype string");
        string dtypeText = dtypeElement.GetString()!;
        if (!TensorDTypes.TryParse(dtypeText, out var dtype))
        {
            string what = TensorDTypes.IsSafetensorsDType(dtypeText) ? "unsupported" : "unknown";
            throw new InputFormatException(path, name, $"{what} dtype \"{Clip(dtypeText)}\"; only F32, F16 and BF16 are supported");
        }

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new InputFormatException(path, name, "entry has no shape array");
        int rank = shapeElement.GetArrayLength();
        if (rank > 8) throw new InputFormatException(path, name, $"shape has {rank} dimensions; at most 8 are supported");
        var shape = new long[rank];
        long elements = 1;
        bool overflow = false;
        int d = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long size) || size < 0)
                throw new InputFormatException(path, name, $"shape[{d}] must be a non-negative integer, found {JsonFields.Short(dim)}");
            shape[d++] = size;
            if (!overflow)
            {
                try { elements = checked(elements * size); }
                catch (OverflowException) { overflow = true; }
            }
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new InputFormatException(path, name, "entry has no data_offsets [begin, end]");
        if (!offsets[0].TryGetInt64Safe(out long begin) || !offsets[1].TryGetInt64Safe(out long end) || begin < 0 || end < 0)
            throw new InputFormatException(path, name, $"data_offsets must be two non-negative integers, found [{JsonFields.Short(offsets[0])}, {JsonFields.Short(offsets[1])}]");
        if (begin > end)
            throw new InputFormatException(path, name, $"data_offsets [{begin}, {end}] begin after they end");
        if (end > dataLength)
            throw new InputFormatException(path, name, $"data_offsets [{begin}, {end}] run past the end of the data section ({dataLength} bytes)");

        long byteLength = end - begin;
        int elementSize = TensorDTypes.SizeInBytes(dtype);
        if (overflow || elements > long.MaxValue / elementSize || elements * elementSize != byteLength)
            throw new InputFormatException(path, name,
                $"{dtypeText} shape {ShapeText.Format(shape)} needs {(overflow || elements > long.MaxValue / elementSize ? "more than 2^63" : (elements * elementSize).ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes but data_offsets [{begin}, {end}] hold {byteLength}");
        return new SafetensorsEntry(name, dtype, shape, elements, dataStart + begin, byteLength);
    }

    private static void RefuseOverlaps(string path, List<SafetensorsEntry> entries)
    {
        var byOffset = entries.Where(e => e.ByteLength > 0).OrderBy(e => e.FileOffset).ToList();
        for (int i = 1; i < byOffset.Count; i++)
        {
            var previous = byOffset[i - 1];
            var current = byOffset[i];
            if (current.FileOffset < previous.FileOffset + previous.ByteLength)
                throw new InputFormatException(path, current.Name, $"its bytes overlap those of tensor {previous.Name}");
        }
    }

    private static string Clip(string text) => text.Length <= 32 ? text : text[..29] + "...";

    /// <summary>The bytes of a validated entry of this file; valid until the file is disposed.</summary>
    public byte* Pointer(SafetensorsEntry entry)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        return _base + entry.FileOffset;
    }

    public void Dispose()
    {
        if (_base == null) return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}

internal static class JsonElementExtensions
{
    /// <summary>TryGetInt64 that answers false for non-numbers instead of throwing.</summary>
    public static bool TryGetInt64Safe(this JsonElement element, out long value)
    {
        if (element.ValueKind == JsonValueKind.Number) return element.TryGetInt64(out value);
        value = 0;
        return false;
    }
}
