using System.Runtime.InteropServices;

namespace Clustering.Corpus.Native;

/// <summary>
/// stat(2), for the one thing .NET does not say about a path: its file type (a FIFO, socket or device reads as a
/// 0-byte file, and opening a FIFO blocks until a writer comes). glibc 2.33+ exports <c>stat</c>; st_mode sits at
/// byte 24 of struct stat on x86-64 and at 16 on arm64 (the generic layout).
/// </summary>
internal static partial class Posix
{
    private const int ModeTypeMask = 0xF000;
    public const int RegularFile = 0x8000;
    public const int Fifo = 0x1000;
    public const int Socket = 0xC000;
    public const int CharacterDevice = 0x2000;
    public const int BlockDevice = 0x6000;

    [LibraryImport("libc.so.6", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Stat(string path, Span<byte> buffer);

    /// <summary>The S_IFMT bits of <paramref name="path"/> (links followed); null where stat cannot be called here.</summary>
    public static int? FileType(string path)
    {
        var offset = RuntimeInformation.ProcessArchitecture switch { Architecture.X64 => 24, Architecture.Arm64 => 16, _ => -1 };
        if (!OperatingSystem.IsLinux() || offset < 0) return null;
        Span<byte> buffer = stackalloc byte[256]; // struct stat is 144 (x86-64) or 128 (arm64) bytes
        try
        {
            if (Stat(path, buffer) != 0) return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        return BitConverter.ToInt32(buffer[offset..]) & ModeTypeMask;
    }
}
