using System.Reflection;
using System.Runtime.InteropServices;

namespace Clustering.Corpus.Native;

/// <summary>
/// zlib's inflate, called directly because .NET's GZipStream reports a truncated stream as a clean end of data
/// (checked on .NET 10: a .gz cut anywhere after its header decompresses "successfully" to a prefix). zlib says
/// which it is: Z_STREAM_END at a member's end, Z_BUF_ERROR when input runs out first.
/// The system library (libz.so.1, ABI-stable since 1995) is used; z_stream's <c>uLong</c> fields are <see cref="CULong"/>.
/// </summary>
internal static unsafe partial class Zlib
{
    private const string Library = "zlib";

    public const int Ok = 0;
    public const int StreamEnd = 1;
    public const int NeedDict = 2;
    public const int BufError = -5;
    public const int NoFlush = 0;
    // 15-bit window, +16: expect a gzip header and trailer (CRC-32 and length are checked by zlib).
    public const int GzipWindowBits = 15 + 16;

    static Zlib() => NativeLibrary.SetDllImportResolver(typeof(Zlib).Assembly, Resolve);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library) return IntPtr.Zero;
        foreach (var candidate in (ReadOnlySpan<string>)["libz.so.1", "libz.so", "libz.1.dylib", "libz.dylib", "zlib1.dll"])
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out var handle))
                return handle;
        return IntPtr.Zero;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ZStream
    {
        public byte* NextIn;
        public uint AvailIn;
        public CULong TotalIn;
        public byte* NextOut;
        public uint AvailOut;
        public CULong TotalOut;
        public sbyte* Msg;
        public void* State;
        public void* ZAlloc;
        public void* ZFree;
        public void* Opaque;
        public int DataType;
        public CULong Adler;
        public CULong Reserved;
    }

    [LibraryImport(Library, EntryPoint = "inflateInit2_")]
    public static partial int InflateInit2(ZStream* stream, int windowBits, byte* version, int streamSize);

    [LibraryImport(Library, EntryPoint = "inflate")]
    public static partial int Inflate(ZStream* stream, int flush);

    [LibraryImport(Library, EntryPoint = "inflateReset")]
    public static partial int InflateReset(ZStream* stream);

    [LibraryImport(Library, EntryPoint = "inflateEnd")]
    public static partial int InflateEnd(ZStream* stream);

    /// <summary>zlib's message for the last error, or the code when it gave none.</summary>
    public static string MessageOf(ZStream* stream, int code) =>
        stream->Msg is null ? $"zlib error {code}" : new string(stream->Msg);
}

/// <summary>Owns one z_stream in native memory (zlib keeps a pointer back to it, so it must not move).</summary>
internal sealed unsafe class InflateHandle : SafeHandle
{
    public InflateHandle() : base(IntPtr.Zero, ownsHandle: true)
    {
        var stream = (Zlib.ZStream*)NativeMemory.AllocZeroed((nuint)sizeof(Zlib.ZStream));
        SetHandle((IntPtr)stream);
        int code;
        try
        {
            var version = "1.2.11\0"u8; // zlib checks only the major digit against its own.
            fixed (byte* v = version)
                code = Zlib.InflateInit2(stream, Zlib.GzipWindowBits, v, sizeof(Zlib.ZStream));
        }
        catch (DllNotFoundException e)
        {
            NativeMemory.Free(stream);
            SetHandleAsInvalid();
            throw new ClusteringException("reading .gz inputs needs zlib (libz.so.1; Debian/Ubuntu package zlib1g), which was not found", e);
        }
        if (code != Zlib.Ok)
        {
            NativeMemory.Free(stream);
            SetHandleAsInvalid();
            throw new ClusteringException($"zlib inflateInit2 failed with code {code}");
        }
        _initialized = true;
    }

    private readonly bool _initialized;

    public Zlib.ZStream* Stream => (Zlib.ZStream*)handle;

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        if (_initialized) Zlib.InflateEnd((Zlib.ZStream*)handle);
        NativeMemory.Free((void*)handle);
        return true;
    }
}
